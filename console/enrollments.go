package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
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
	Q      string
	Status enroll.Status
	// Several is the status filter's choice when it keeps more than one
	// status, which the single choices cannot show.
	Several   *statusChoice
	Statuses  []enroll.Status
	Instance  string
	Instances []instanceChoice
	Sort      string
	Sorts     []sortOption
	PerPage   int
	PerPages  []int
	// Tag, Manufacturer and GroupID are the filters by label, as the API
	// names them tag, manufacturerSlug and groupId.
	Tag          string
	Manufacturer string
	GroupID      string
	// Groups are the chosen instance's groups, for a menu; nil (no
	// instance chosen, one without groups, or a key without
	// programs:read) makes the group filter a text field for an id.
	Groups []groupChoice
	// GroupUndeclared is set when GroupID is not one of Groups: the menu
	// offers it too, so that it shows what the list applies.
	GroupUndeclared bool
	Rows            []listRow
	Pager           pager
	// Filtered is set when any filter or search applies.
	Filtered bool
	// Error explains a page link that no longer fits the list.
	Error string
}

// statusChoice is a choice of the status filter that keeps several
// statuses.
type statusChoice struct {
	// Value lists them, comma-separated, as parseListQuery reads them.
	Value string
	Label string
}

// severalStatuses is the choice that keeps ss: "2 statuses: approved or
// paused".
func severalStatuses(ss []enroll.Status) *statusChoice {
	values, labels := make([]string, len(ss)), make([]string, len(ss))
	for i, s := range ss {
		values[i], labels[i] = string(s), statusLabel(s)
	}
	last := len(labels) - 1
	label := strings.Join(labels[:last], ", ") + " or " + labels[last]
	return &statusChoice{Value: strings.Join(values, ","), Label: strconv.Itoa(len(ss)) + " statuses: " + label}
}

// groupChoice is a group of the group menu.
type groupChoice struct {
	ID string
	// Text is the group's name, with its id when another group of the
	// instance has the same name.
	Text string
}

// groupChoices lists the groups instance in declares, by name, for the
// group menu.
func groupChoices(in *enroll.ProgramInstance) []groupChoice {
	gs := slices.Clone(in.Groups)
	slices.SortFunc(gs, func(a, b enroll.Group) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	out := make([]groupChoice, len(gs))
	for i, g := range gs {
		out[i] = groupChoice{ID: g.ID, Text: g.Name}
		if i > 0 && gs[i-1].Name == g.Name || i+1 < len(gs) && gs[i+1].Name == g.Name {
			out[i].Text += " (" + g.ID + ")"
		}
	}
	return out
}

// listRow is one enrollment in a list.
type listRow struct {
	E    *enroll.Enrollment
	Name string
	// Instance is nil without programs:read (the row shows the id).
	Instance *instanceChoice
	URL      string
}

// listQuery is a parsed list query.
type listQuery struct {
	filter enroll.EnrollmentFilter
	params url.Values // what defines the list, for paging links
	prev   []string
	// problem explains what of the query was left out or could not be
	// followed.
	problem string
	// instance is the instance the list is filtered by, nil for none.
	instance *enroll.ProgramInstance
}

// findVisibleInstance returns instance id of the key's workspace, or
// ENOTFOUND when there is none or the key does not see it.
func (c *Console) findVisibleInstance(ctx context.Context, rq *request, id string) (*enroll.ProgramInstance, error) {
	if !enroll.ValidID(id) || !rq.key.SeesInstance(id) {
		return nil, enroll.Errorf(enroll.ENOTFOUND, "Program instance %s not found.", id)
	}
	return c.store.FindInstance(ctx, rq.ws(), id)
}

// note adds msg to the notes the list shows above its rows.
func (lq *listQuery) note(msg string) {
	if lq.problem != "" {
		lq.problem += " "
	}
	lq.problem += msg
}

// parseListQuery reads the filters, search, sort and paging of a list
// query. An instance that is not there for the key (unknown, deleted
// since, or not visible to it: the same words, so that nothing leaks) is
// left out with a note, as other unknown values are; only a store failure
// is an error.
func (c *Console) parseListQuery(ctx context.Context, rq *request, q url.Values, defSort string) (listQuery, error) {
	lq := listQuery{params: url.Values{}, prev: prevTokens(q)}
	f := &lq.filter
	f.ProgramInstanceIDs = rq.limited()
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		// Text no stored value can hold (a hand-made or mangled link) is
		// left out with a note, rather than the store's error page, which
		// names its internal field and drops the list.
		switch {
		case !utf8.ValidString(s):
			lq.note("The search text is not valid UTF-8, so it was left out.")
		case strings.ContainsRune(s, 0):
			lq.note("The search text contains a NUL character, so it was left out.")
		default:
			if utf8.RuneCountInString(s) > maxQueryLength {
				s = string([]rune(s)[:maxQueryLength])
			}
			// More words than the API takes (a 422 there) are cut to
			// those it takes, with a note, rather than the error page.
			if words := strings.Fields(s); len(words) > enroll.MaxQueryWords {
				s = strings.Join(words[:enroll.MaxQueryWords], " ")
				lq.note(fmt.Sprintf("The search text has more than %d words, so only the first %d were searched.", enroll.MaxQueryWords, enroll.MaxQueryWords))
			}
			f.Q = s
			lq.params.Set("q", s)
		}
	}
	// Several statuses come as repeated values (a link, as in the API) or
	// as one comma-separated value (the list's own choice of them). An
	// unknown one (a mangled or outdated link), which the API refuses, is
	// left out with a note naming it, rather than silently widening the
	// list; "" is the menu's Any.
	var unknown []string
	for _, v := range q["status"] {
		for s := range strings.SplitSeq(v, ",") {
			switch st := enroll.Status(s); {
			case s == "":
			case !st.Valid():
				unknown = append(unknown, shown(s))
			case !slices.Contains(f.Statuses, st):
				f.Statuses = append(f.Statuses, st)
				lq.params.Add("status", s)
			}
		}
	}
	switch len(unknown) {
	case 0:
	case 1:
		lq.note("The status " + unknown[0] + " is not one an enrollment can have, so it was left out.")
	default:
		lq.note("The statuses " + joinList(unknown, "and") + " are not ones an enrollment can have, so they were left out.")
	}
	if id := q.Get("instance"); id != "" {
		// Looked up even for a key that sees every instance (to which any
		// id is visible): filtering on an id no instance has would list
		// nothing under a menu that reads "All" (an old bookmark, an
		// instance deleted since).
		in, err := c.findVisibleInstance(ctx, rq, id)
		switch {
		case enroll.ErrorCode(err) == enroll.ENOTFOUND:
			lq.note("The program instance " + shown(id) + " is not one your key can see, so it was left out.")
		case err != nil:
			return lq, err
		default:
			lq.instance = in
			f.ProgramInstanceID = id
			lq.params.Set("instance", id)
		}
	}
	f.Sort = defSort
	if s := q.Get("sort"); slices.Contains(enroll.EnrollmentSorts, s) {
		f.Sort = s
		if s != defSort {
			lq.params.Set("sort", s)
		}
	} else if s != "" {
		lq.note("There is no sort " + shown(s) + ", so the list is sorted " + strings.ToLower(sortLabel(defSort)) + ".")
	}
	f.PerPage = perPageChoices[0]
	if n := q.Get("perPage"); n != "" {
		sizes := make([]string, len(perPageChoices))
		for i, c := range perPageChoices {
			sizes[i] = strconv.Itoa(c)
			if n == sizes[i] {
				f.PerPage = c
			}
		}
		if !slices.Contains(sizes, n) {
			lq.note("The page size " + shown(n) + " is not one of " + joinList(sizes, "or") + ", so the list shows " + sizes[0] + " a page.")
		} else if f.PerPage != perPageChoices[0] {
			lq.params.Set("perPage", n)
		}
	}
	f.PageToken = q.Get("pageToken")
	return lq, nil
}

// labelFilter is one of the enrollment list's filters by label, under the
// API's query parameter.
type labelFilter struct {
	param string
	// what names the value in notes.
	what string
	set  func(*enroll.EnrollmentFilter, string)
}

// labelFilters are the enrollment list's filters by tag, manufacturer and
// group (SPEC §4), which the store takes with the other filters.
var labelFilters = []labelFilter{
	{"tag", "tag", func(f *enroll.EnrollmentFilter, s string) { f.Tag = s }},
	{"manufacturerSlug", "manufacturer slug", func(f *enroll.EnrollmentFilter, s string) { f.ManufacturerSlug = s }},
	{"groupId", "group id", func(f *enroll.EnrollmentFilter, s string) { f.GroupID = s }},
}

// parseLabelFilters adds the filters by label of q to lq. They match
// exactly, as in the API: case included, and a value is not trimmed
// (" vip" is a tag an enrollment may hold). A blank value, which no label
// can be, is Any, as an empty field is. A value no label can hold either
// (not UTF-8, a NUL, longer than a label may be: a hand-made or mangled
// link, or one the API would refuse) is left out with a note. Only the
// enrollment list calls it: the queue, which shares parseListQuery, has no
// fields for them, so it must not filter by them unseen.
func parseLabelFilters(lq *listQuery, q url.Values) {
	for _, l := range labelFilters {
		s := q.Get(l.param)
		switch {
		case strings.TrimSpace(s) == "":
		case !utf8.ValidString(s):
			lq.note("The " + l.what + " is not valid UTF-8, so it was left out.")
		case strings.ContainsRune(s, 0):
			lq.note("The " + l.what + " " + shown(s) + " contains a NUL character, so it was left out.")
		case utf8.RuneCountInString(s) > enroll.MaxNameLength:
			lq.note(fmt.Sprintf("The %s %s is longer than %d characters, which no %s can be, so it was left out.",
				l.what, shown(s), enroll.MaxNameLength, l.what))
		default:
			l.set(&lq.filter, s)
			lq.params.Set(l.param, s)
		}
	}
}

// maxShown bounds a value from the query quoted in a note.
const maxShown = 40

// shown is a value from the query (a link, edited or mangled) as a note
// names it: in quotes, its bytes that are not UTF-8 and its control
// characters (a NUL) replaced, cut at maxShown characters.
func shown(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	if utf8.RuneCountInString(s) > maxShown {
		s = string([]rune(s)[:maxShown]) + "…"
	}
	return "“" + s + "”"
}

// joinList joins items for a sentence: "a", "a or b", "a, b or c", with and
// or or as the last word.
func joinList(items []string, last string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + last + " " + items[len(items)-1]
}

// sortLabel is the label of sort key s.
func sortLabel(s string) string {
	for _, o := range sortOptions {
		if o.Value == s {
			return o.Label
		}
	}
	return s
}

// listEnrollments runs a parsed query. A page token that does not fit the
// query (edited by hand, or older than a change of filter) is not an
// error page: the list shows its first page with a note.
func (c *Console) listEnrollments(r *http.Request, rq *request, lq *listQuery) (*enroll.Page[*enroll.Enrollment], error) {
	pg, err := c.store.ListEnrollments(r.Context(), rq.ws(), lq.filter)
	if enroll.ErrorCode(err) == enroll.EINVALID && lq.filter.PageToken != "" {
		lq.note("That page link no longer fits this list; showing the first page.")
		lq.filter.PageToken, lq.prev = "", nil
		pg, err = c.store.ListEnrollments(r.Context(), rq.ws(), lq.filter)
	}
	if err != nil {
		return nil, err
	}
	// A page emptied since its link was made (the queue's last page once
	// its last enrollment is decided, which the decision returns to) is
	// not the end of a list that still holds enrollments: the page before
	// it is shown, rather than "nothing waiting" on "page 2 of 1"; the
	// first, when none is left.
	pg, back, err := backToRows(pg, &lq.filter.PageToken, &lq.prev, func() (*enroll.Page[*enroll.Enrollment], error) {
		return c.store.ListEnrollments(r.Context(), rq.ws(), lq.filter)
	})
	if back {
		lq.note("The page you were on has no enrollments left, so the one before it is shown.")
	}
	return pg, err
}

// enrollmentList shows enrollments with filters by status, instance, tag,
// manufacturer and group, a search over name, email and reference, a sort
// and cursor paging.
func (c *Console) enrollmentList(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeEnrollmentsRead) {
		c.forbidden(w, r, rq, enroll.ScopeEnrollmentsRead, "view enrollments")
		return
	}
	lq, err := c.parseListQuery(r.Context(), rq, r.URL.Query(), enroll.SortCreatedDesc)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	parseLabelFilters(&lq, r.URL.Query())
	pg, err := c.listEnrollments(r, rq, &lq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	insts, names := c.instanceNames(r.Context(), rq, lq.instance)
	f := lq.filter
	d := listData{
		Q: f.Q, Statuses: enroll.Statuses, Instance: f.ProgramInstanceID, Instances: insts,
		Sort: f.Sort, Sorts: sortOptions, PerPage: f.PerPage, PerPages: perPageChoices,
		Tag: f.Tag, Manufacturer: f.ManufacturerSlug, GroupID: f.GroupID,
		Filtered: f.Q != "" || len(f.Statuses) > 0 || f.ProgramInstanceID != "" ||
			f.Tag != "" || f.ManufacturerSlug != "" || f.GroupID != "",
		Pager: newPager(Prefix+"/enrollments", lq.params, lq.prev, lq.filter.PageToken, string(pg.NextPageToken),
			pg.Page, pg.TotalPages, pg.TotalItems),
	}
	// The chosen instance's groups are its declarations, which are for
	// keys with programs:read, as on the instance's page.
	if in := lq.instance; in != nil && rq.has(enroll.ScopeProgramsRead) {
		if len(in.Groups) > 0 {
			d.Groups = groupChoices(in)
		}
		// An enrollment may still hold a group its instance no longer
		// declares (removed since): the list is filtered by it all the
		// same, but says so, in case the id was mistyped.
		if f.GroupID != "" && !in.HasGroup(f.GroupID) {
			d.GroupUndeclared = len(d.Groups) > 0
			label := in.Name
			if ch := names[in.ID]; ch != nil {
				label = ch.Label()
			}
			lq.note("The program instance " + label + " declares no group " + shown(f.GroupID) +
				"; the list shows the enrollments that hold it all the same.")
		}
	}
	d.Error = lq.problem
	switch len(lq.filter.Statuses) {
	case 0:
	case 1:
		d.Status = lq.filter.Statuses[0]
	default:
		d.Several = severalStatuses(lq.filter.Statuses)
	}
	for _, e := range pg.Data {
		d.Rows = append(d.Rows, listRow{E: e, Name: displayName(e), Instance: names[e.ProgramInstanceID],
			URL: Prefix + "/enrollments/" + e.ID})
	}
	c.render(w, r, rq, http.StatusOK, "enrollments", "Enrollments", d)
}
