package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/enrollhq/enroll"
)

// queuePerPage is the review queue's page size.
const queuePerPage = 25

// queueData is the review queue page.
type queueData struct {
	Rows      []queueRow
	Pager     pager
	Instance  string
	Instances []*enroll.ProgramInstance
	// Selected is the row the keyboard starts on: after a decision, the
	// row that took the decided one's place.
	Selected int
	// CanDecide is set when the key may approve, reject or ask for action.
	CanDecide bool
	Problem   string
}

// queueRow is a submitted enrollment waiting for review.
type queueRow struct {
	Index        int
	E            *enroll.Enrollment
	Name         string
	InstanceName string
	URL          string
	Waiting      string
	ParamErrors  int
	Actions      []action
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
	lq, err := parseListQuery(rq, q, enroll.SortCreatedAsc)
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
	insts, names := c.instanceNames(r.Context(), rq)
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
	now := c.now()
	for i, e := range pg.Data {
		errs := 0
		for _, p := range e.Parameters {
			if p.Error != nil {
				errs++
			}
		}
		here.Set("sel", strconv.Itoa(i))
		d.Rows = append(d.Rows, queueRow{Index: i, E: e, Name: displayName(e), InstanceName: names[e.ProgramInstanceID],
			URL: Prefix + "/enrollments/" + e.ID, Waiting: ago(now, e.CreatedAt), ParamErrors: errs,
			Actions: actionsFor(rq, e.Eligibility.Status), Return: Prefix + "/queue?" + here.Encode()})
	}
	if sel, err := strconv.Atoi(in.Get("sel")); err == nil && sel > 0 {
		d.Selected = min(sel, max(len(d.Rows)-1, 0))
	}
	c.render(w, r, rq, http.StatusOK, "queue", "Review queue", d)
}
