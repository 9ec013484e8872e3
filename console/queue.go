package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
)

// queuePerPage is the review queue's page size.
const queuePerPage = 25

// queueData is the review queue page.
type queueData struct {
	Rows      []queueRow
	Pager     pager
	Instance  string
	Instances []instanceChoice
	// Selected is the row the keyboard starts on: after a decision, the
	// row that took the decided one's place.
	Selected int
	// CanDecide is set when the key may approve, reject or ask for action.
	CanDecide bool
	Problem   string
}

// queueRow is a submitted enrollment waiting for review.
type queueRow struct {
	Index int
	E     *enroll.Enrollment
	Name  string
	// Instance is nil without programs:read (the row shows the id).
	Instance *instanceChoice
	URL      string
	// Since is when the enrollment was submitted; Waiting says how long ago.
	Since       time.Time
	Waiting     string
	ParamErrors int
	Actions     []action
	// Return brings a decision back to the queue, at this row's place.
	Return string
}

// reviewQueue lists submitted enrollments, oldest first, for a reviewer to
// work through with the keyboard (see the shortcuts on the page).
func (c *Console) reviewQueue(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeEnrollmentsRead) {
		c.forbidden(w, r, rq, enroll.ScopeEnrollmentsRead, "view enrollments")
		return
	}
	in := r.URL.Query()
	q := url.Values{"status": {string(enroll.StatusSubmitted)}, "perPage": {strconv.Itoa(queuePerPage)}}
	for _, k := range []string{"instance", "pageToken", "prev"} {
		if v, ok := in[k]; ok {
			q[k] = v
		}
	}
	lq, err := c.parseListQuery(r.Context(), rq, q, enroll.SortCreatedAsc)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	lq.filter.PerPage = queuePerPage
	lq.params.Del("status")
	lq.params.Del("perPage")
	pg, err := c.listEnrollments(r, rq, &lq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	if err := c.hideParameters(r.Context(), rq, pg.Data...); err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	insts, names := c.instanceNames(r.Context(), rq, lq.instance)
	d := queueData{Instance: lq.filter.ProgramInstanceID, Instances: insts, Problem: lq.problem,
		CanDecide: len(actionsFor(rq, enroll.StatusSubmitted)) > 0,
		Pager: newPager(Prefix+"/queue", lq.params, lq.prev, lq.filter.PageToken, string(pg.NextPageToken),
			pg.Page, pg.TotalPages, pg.TotalItems)}
	here := url.Values{}
	for k, v := range lq.params {
		here[k] = v
	}
	if lq.filter.PageToken != "" {
		here.Set("pageToken", lq.filter.PageToken)
		here["prev"] = lq.prev
	}
	// A reviewer wants to know how long each has waited since it was
	// submitted, which may be long after it was created: the time it took
	// its status, from the history, in one query for the page. UpdatedAt
	// would not do: notes or other edits move it while it waits.
	ids := make([]string, len(pg.Data))
	for i, e := range pg.Data {
		ids[i] = e.ID
	}
	since, err := c.store.StatusSince(r.Context(), rq.ws(), ids)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	now := c.now()
	for i, e := range pg.Data {
		submitted, ok := since[e.ID]
		if !ok {
			submitted = e.CreatedAt // deleted since it was listed
		}
		errs := 0
		for _, p := range e.Parameters {
			if p.Error != nil {
				errs++
			}
		}
		here.Set("sel", strconv.Itoa(i))
		d.Rows = append(d.Rows, queueRow{Index: i, E: e, Name: displayName(e), Instance: names[e.ProgramInstanceID],
			URL: Prefix + "/enrollments/" + e.ID, Since: submitted, Waiting: ago(now, submitted), ParamErrors: errs,
			Actions: actionsFor(rq, e.Eligibility.Status), Return: Prefix + "/queue?" + here.Encode()})
	}
	if sel, err := strconv.Atoi(in.Get("sel")); err == nil && sel > 0 {
		d.Selected = min(sel, max(len(d.Rows)-1, 0))
	}
	c.render(w, r, rq, http.StatusOK, "queue", "Review queue", d)
}
