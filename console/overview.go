package console

import (
	"context"
	"net/http"
	"time"

	"github.com/enrollhq/enroll"
)

// maxOverviewItems bounds how many programs and instances one page lists
// (and counts): a workspace runs tens of programs, not thousands.
const maxOverviewItems = 500

// overviewData is the overview page: programs with their instances.
type overviewData struct {
	Programs []programGroup
	// Limited is set when the key sees only some instances.
	Limited bool
	// Truncated is set when there were more than maxOverviewItems.
	Truncated bool
	// Total and Submitted sum the visible instances' counts.
	Total, Submitted int
	CanList          bool
}

// programGroup is a program and the instances of it the key sees.
type programGroup struct {
	Program   *enroll.Program
	Instances []instanceCard
}

// instanceCard is one instance on the overview, with its funnel.
type instanceCard struct {
	Instance  *enroll.ProgramInstance
	Total     int
	Submitted int
	// Capacity says how many places approved and paused enrollments take,
	// when the instance has a capacity.
	Capacity string
	// Period is the instance's start and end dates, if any.
	Period string
	Funnel funnel
	// ListURL and QueueURL open the instance's enrollments and queue.
	ListURL, QueueURL string
}

// home is the console's first page: the overview for keys that may read
// programs, else the start page that says what the key can do.
func (c *Console) home(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeProgramsRead) {
		if rq.has(enroll.ScopeEnrollmentsRead) {
			http.Redirect(w, r, Prefix+"/queue", http.StatusSeeOther)
			return
		}
		c.render(w, r, rq, http.StatusOK, "start", "Welcome", nil)
		return
	}
	c.overview(w, r, rq)
}

// overview shows every program the key sees with, per instance, a funnel
// of its enrollments by status. Counts come from CountEnrollments, which
// reads the store's per-status counters (the API's instance stats).
func (c *Console) overview(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	progs, truncP, err := c.allPrograms(ctx, rq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	insts, truncI, err := c.visibleInstances(ctx, rq)
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	d := overviewData{Limited: rq.limited() != nil, Truncated: truncP || truncI, CanList: rq.has(enroll.ScopeEnrollmentsRead)}
	byProgram := map[string][]instanceCard{}
	for _, in := range insts {
		counts, err := c.store.CountEnrollments(ctx, rq.ws(), in.ID)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		card := instanceCard{Instance: in, Submitted: counts[enroll.StatusSubmitted], Period: period(in),
			Funnel: newFunnel(in.ID, in.Name, counts, d.CanList), ListURL: Prefix + "/enrollments?instance=" + in.ID,
			QueueURL: Prefix + "/queue?instance=" + in.ID}
		for _, n := range counts {
			card.Total += n
		}
		if in.Capacity != nil {
			card.Capacity = formatInt(counts[enroll.StatusApproved]+counts[enroll.StatusPaused]) + " of " +
				formatInt(*in.Capacity) + " places taken"
		}
		d.Total += card.Total
		d.Submitted += card.Submitted
		byProgram[in.ProgramID] = append(byProgram[in.ProgramID], card)
	}
	for _, p := range progs {
		cards := byProgram[p.ID]
		if d.Limited && len(cards) == 0 {
			// A key limited to instances sees the programs it works in.
			continue
		}
		d.Programs = append(d.Programs, programGroup{Program: p, Instances: cards})
	}
	c.render(w, r, rq, http.StatusOK, "overview", "Overview", d)
}

// allPrograms lists the workspace's programs, oldest first, up to
// maxOverviewItems; truncated says there were more.
func (c *Console) allPrograms(ctx context.Context, rq *request) (out []*enroll.Program, truncated bool, err error) {
	f := enroll.ProgramFilter{ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage, Sort: enroll.SortCreatedAsc}}
	for {
		pg, err := c.store.ListPrograms(ctx, rq.ws(), f)
		if err != nil {
			return nil, false, err
		}
		out = append(out, pg.Data...)
		if pg.NextPageToken == "" {
			return out, false, nil
		}
		if len(out) >= maxOverviewItems {
			return out, true, nil
		}
		f.PageToken = string(pg.NextPageToken)
	}
}

// visibleInstances lists the instances the key sees, oldest first, up to
// maxOverviewItems; truncated says there were more.
func (c *Console) visibleInstances(ctx context.Context, rq *request) (out []*enroll.ProgramInstance, truncated bool, err error) {
	f := enroll.InstanceFilter{IDs: rq.limited(), ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage, Sort: enroll.SortCreatedAsc}}
	for {
		pg, err := c.store.ListInstances(ctx, rq.ws(), f)
		if err != nil {
			return nil, false, err
		}
		out = append(out, pg.Data...)
		if pg.NextPageToken == "" {
			return out, false, nil
		}
		if len(out) >= maxOverviewItems {
			return out, true, nil
		}
		f.PageToken = string(pg.NextPageToken)
	}
}

// period shows an instance's dates: "2026-01-01 to 2026-12-31".
func period(in *enroll.ProgramInstance) string {
	day := func(t *time.Time) string {
		if t == nil {
			return "…"
		}
		return formatDate(*t)
	}
	if in.StartDate == nil && in.EndDate == nil {
		return ""
	}
	return day(in.StartDate) + " to " + day(in.EndDate)
}
