package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// Page sizes the enrollment list offers; the first is the default.
var perPageChoices = []int{50, 25, 100}

// maxQueryLength bounds the search text, as the API does.
const maxQueryLength = 256

// sortOption is a sort key with its label.
type sortOption struct {
	Value string
	Label string
}

// sortOptions are the enrollment list's sorts, in enroll.EnrollmentSorts' keys.
var sortOptions = []sortOption{
	{enroll.SortCreatedDesc, "Newest first"},
	{enroll.SortCreatedAsc, "Oldest first"},
	{enroll.SortUpdatedDesc, "Recently updated"},
	{enroll.SortUpdatedAsc, "Least recently updated"},
	{enroll.SortLastName, "Last name"},
}

// listData is the enrollment list page.
type listData struct {
	Q         string
	Status    enroll.Status
	Statuses  []enroll.Status
	Instance  string
	Instances []*enroll.ProgramInstance
	Sort      string
	Sorts     []sortOption
	PerPage   int
	PerPages  []int
	Rows      []listRow
	Pager     pager
	// Filtered is set when any filter or search applies.
	Filtered bool
	// Error explains a page link that no longer fits the list.
	Error string
}

// listRow is one enrollment in a list.
type listRow struct {
	E            *enroll.Enrollment
	Name         string
	InstanceName string
	URL          string
}

// listQuery is a parsed list query.
type listQuery struct {
	filter  enroll.EnrollmentFilter
	params  url.Values // what defines the list, for paging links
	prev    []string
	problem string
}

// parseListQuery reads the filters, search, sort and paging of a list
// query, refusing instances the key does not see (as the API does, 404).
func parseListQuery(rq *request, q url.Values, defSort string) (listQuery, error) {
	lq := listQuery{params: url.Values{}, prev: prevTokens(q)}
	f := &lq.filter
	f.ProgramInstanceIDs = rq.limited()
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		if utf8.RuneCountInString(s) > maxQueryLength {
			s = string([]rune(s)[:maxQueryLength])
		}
		f.Q = s
		lq.params.Set("q", s)
	}
	for _, s := range q["status"] {
		if st := enroll.Status(s); st.Valid() && !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
			lq.params.Add("status", s)
		}
	}
	if id := q.Get("instance"); id != "" {
		if !enroll.ValidID(id) || !rq.key.SeesInstance(id) {
			return lq, enroll.Errorf(enroll.ENOTFOUND, "Program instance %s not found.", id)
		}
		f.ProgramInstanceID = id
		lq.params.Set("instance", id)
	}
	f.Sort = defSort
	if s := q.Get("sort"); slices.Contains(enroll.EnrollmentSorts, s) {
		f.Sort = s
		if s != defSort {
			lq.params.Set("sort", s)
		}
	}
	f.PerPage = perPageChoices[0]
	if n := q.Get("perPage"); n != "" {
		for _, c := range perPageChoices {
			if n == strconv.Itoa(c) {
				f.PerPage = c
			}
		}
		if f.PerPage != perPageChoices[0] {
			lq.params.Set("perPage", n)
		}
	}
	f.PageToken = q.Get("pageToken")
	return lq, nil
}

// listEnrollments runs a parsed query. A page token that does not fit the
// query (edited by hand, or older than a change of filter) is not an
// error page: the list shows its first page with a note.
func (c *Console) listEnrollments(r *http.Request, rq *request, lq *listQuery) (*enroll.Page[*enroll.Enrollment], error) {
	pg, err := c.store.ListEnrollments(r.Context(), rq.ws(), lq.filter)
	if enroll.ErrorCode(err) == enroll.EINVALID && lq.filter.PageToken != "" {
		lq.problem = "That page link no longer fits this list; showing the first page."
		lq.filter.PageToken, lq.prev = "", nil
		pg, err = c.store.ListEnrollments(r.Context(), rq.ws(), lq.filter)
	}
	return pg, err
}

// enrollmentList shows enrollments with filters by status and instance, a
// search over name, email and reference, a sort and cursor paging.
func (c *Console) enrollmentList(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeEnrollmentsRead) {
		c.forbidden(w, r, rq, enroll.ScopeEnrollmentsRead, "view enrollments")
		return
	}
	lq, err := parseListQuery(rq, r.URL.Query(), enroll.SortCreatedDesc)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	pg, err := c.listEnrollments(r, rq, &lq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	insts, names := c.instanceNames(r.Context(), rq)
	d := listData{
		Q: lq.filter.Q, Statuses: enroll.Statuses, Instance: lq.filter.ProgramInstanceID, Instances: insts,
		Sort: lq.filter.Sort, Sorts: sortOptions, PerPage: lq.filter.PerPage, PerPages: perPageChoices,
		Filtered: lq.filter.Q != "" || len(lq.filter.Statuses) > 0 || lq.filter.ProgramInstanceID != "",
		Error:    lq.problem,
		Pager: newPager(Prefix+"/enrollments", lq.params, lq.prev, lq.filter.PageToken, string(pg.NextPageToken),
			pg.Page, pg.TotalPages, pg.TotalItems),
	}
	if len(lq.filter.Statuses) == 1 {
		d.Status = lq.filter.Statuses[0]
	}
	for _, e := range pg.Data {
		d.Rows = append(d.Rows, listRow{E: e, Name: displayName(e), InstanceName: names[e.ProgramInstanceID],
			URL: Prefix + "/enrollments/" + e.ID})
	}
	c.render(w, r, rq, http.StatusOK, "enrollments", "Enrollments", d)
}
