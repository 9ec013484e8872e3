package console

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
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

// instanceChoice is an instance as menus and lists name it.
type instanceChoice struct {
	ID string
	// Label names the program with the instance, "Solar Rebate — 2026":
	// an instance's name is unique nowhere, and two programs' instances
	// often share one (a season, a year).
	Label string
}

// instanceNames lists the instances the key sees, with also (the one a
// list is filtered by, nil for none) when they lack it (a workspace with
// more than maxOverviewItems), labelled and sorted for a filter menu, and
// maps their ids to the labels, for the rows. A key without programs:read
// cannot read instances through the API, so it gets no names (pages then
// show ids).
func (c *Console) instanceNames(ctx context.Context, rq *request, also *enroll.ProgramInstance) ([]instanceChoice, map[string]string) {
	if !rq.has(enroll.ScopeProgramsRead) {
		return nil, map[string]string{}
	}
	insts, _, err := c.visibleInstances(ctx, rq)
	if err != nil {
		c.logger.Warn("console: cannot list instances", "err", err)
		return nil, map[string]string{}
	}
	if also != nil && !slices.ContainsFunc(insts, func(in *enroll.ProgramInstance) bool { return in.ID == also.ID }) {
		insts = append(insts, also)
	}
	choices, err := c.labelInstances(ctx, rq, insts, false)
	if err != nil {
		c.logger.Warn("console: cannot list programs", "err", err)
		return nil, map[string]string{}
	}
	names := make(map[string]string, len(choices))
	for _, ch := range choices {
		names[ch.ID] = ch.Label
	}
	return choices, names
}

// labelInstances names insts with their programs, "Solar Rebate — 2026"
// (and the instance's slug, with slug), sorted by program name, then
// instance name, as a menu lists them.
func (c *Console) labelInstances(ctx context.Context, rq *request, insts []*enroll.ProgramInstance, slug bool) ([]instanceChoice, error) {
	if len(insts) == 0 {
		return nil, nil
	}
	progs, _, err := c.allPrograms(ctx, rq)
	if err != nil {
		return nil, err
	}
	programs := make(map[string]string, len(progs))
	for _, p := range progs {
		programs[p.ID] = p.Name
	}
	for _, in := range insts {
		if _, ok := programs[in.ProgramID]; ok {
			continue
		}
		// Past maxOverviewItems programs; rare, so one look-up each.
		p, err := c.store.FindProgram(ctx, rq.ws(), in.ProgramID)
		switch {
		case err == nil:
			programs[p.ID] = p.Name
		case enroll.ErrorCode(err) != enroll.ENOTFOUND:
			return nil, err
		}
	}
	sorted := slices.Clone(insts)
	fold := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	slices.SortStableFunc(sorted, func(a, b *enroll.ProgramInstance) int {
		return cmp.Or(fold(programs[a.ProgramID], programs[b.ProgramID]), fold(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	out := make([]instanceChoice, len(sorted))
	for i, in := range sorted {
		label := in.Name
		if p := programs[in.ProgramID]; p != "" {
			label = p + " — " + in.Name
		}
		if slug {
			label += " (" + in.Slug + ")"
		}
		out[i] = instanceChoice{ID: in.ID, Label: label}
	}
	return out, nil
}

// period shows an instance's dates: "2026-01-01 to 2026-12-31".
func period(in *enroll.ProgramInstance) string {
	day := func(t *time.Time) string {
		if t == nil {
			return "…"
		}
		return t.UTC().Format("2006-01-02")
	}
	if in.StartDate == nil && in.EndDate == nil {
		return ""
	}
	return day(in.StartDate) + " to " + day(in.EndDate)
}
