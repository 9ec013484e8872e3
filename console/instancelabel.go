package console

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
)

// instanceChoice is an instance as menus, rows and headings name it.
type instanceChoice struct {
	ID string
	// Program is the program's name, "" when the program is gone.
	Program string
	Name    string
	// Detail tells the instance from others whose Label reads the same:
	// its slug, unique within its program, or "program-slug/slug" when
	// two programs of one name have such instances. It is "" when the
	// Label is the only one of its kind (the Imports menu shows it always).
	Detail string
}

// Label names the program with the instance, "Solar Rebate — 2026": an
// instance's name is unique nowhere, and two programs' instances often
// share one (a season, a year). Each name is isolated (isolate), so that
// a right-to-left one does not reorder the label or the words after it.
func (ch *instanceChoice) Label() string {
	if ch.Program == "" {
		return isolate(ch.Name)
	}
	return isolate(ch.Program) + " — " + isolate(ch.Name)
}

// Text is the Label with the Detail, for a menu's options, which hold
// text only: "Solar Rebate — 2026 (2026-commercial)".
func (ch *instanceChoice) Text() string {
	if ch.Detail == "" {
		return ch.Label()
	}
	return ch.Label() + " (" + ch.Detail + ")"
}

// ListURL is the enrollment list filtered by the instance, where the
// console links an instance.
func (ch *instanceChoice) ListURL() string {
	return Prefix + "/enrollments?instance=" + ch.ID
}

// instanceNames lists the instances the key sees, with also (the one a
// list is filtered by, nil for none) when they lack it (a workspace with
// more than maxOverviewItems), labelled and sorted for a filter menu, and
// maps their ids to the labels, for the rows. A key without programs:read
// cannot read instances through the API, so it gets no names (pages then
// show ids).
func (c *Console) instanceNames(ctx context.Context, rq *request, also *enroll.ProgramInstance) ([]instanceChoice, map[string]*instanceChoice) {
	if !rq.has(enroll.ScopeProgramsRead) {
		return nil, map[string]*instanceChoice{}
	}
	insts, _, err := c.visibleInstances(ctx, rq)
	if err != nil {
		c.logger.Warn("console: cannot list instances", "err", err)
		return nil, map[string]*instanceChoice{}
	}
	if also != nil && !slices.ContainsFunc(insts, func(in *enroll.ProgramInstance) bool { return in.ID == also.ID }) {
		insts = append(insts, also)
	}
	choices, err := c.labelInstances(ctx, rq, insts, false)
	if err != nil {
		c.logger.Warn("console: cannot list programs", "err", err)
		return nil, map[string]*instanceChoice{}
	}
	names := make(map[string]*instanceChoice, len(choices))
	for i := range choices {
		names[choices[i].ID] = &choices[i]
	}
	return choices, names
}

// instanceLabel names in as the menus and rows do, told apart from the
// other instances the key sees in the same way, for a page about one
// instance (an enrollment, an import). Without programs:read it is nil.
func (c *Console) instanceLabel(ctx context.Context, rq *request, in *enroll.ProgramInstance) *instanceChoice {
	if !rq.has(enroll.ScopeProgramsRead) {
		return nil
	}
	if _, names := c.instanceNames(ctx, rq, in); names[in.ID] != nil {
		return names[in.ID]
	}
	// The programs could not be listed (logged): the name alone.
	return &instanceChoice{ID: in.ID, Name: in.Name}
}

// labelInstances names insts with their programs, "Solar Rebate — 2026",
// sorted by program name, then instance name, as a menu lists them. When
// labels would repeat (two instances of one name in a program), each of
// those gets a Detail; with slug, every instance does, as the Imports
// menu names them by slug.
func (c *Console) labelInstances(ctx context.Context, rq *request, insts []*enroll.ProgramInstance, slug bool) ([]instanceChoice, error) {
	if len(insts) == 0 {
		return nil, nil
	}
	progs, _, err := c.allPrograms(ctx, rq)
	if err != nil {
		return nil, err
	}
	programs := make(map[string]*enroll.Program, len(progs))
	for _, p := range progs {
		programs[p.ID] = p
	}
	for _, in := range insts {
		if _, ok := programs[in.ProgramID]; ok {
			continue
		}
		// Past maxOverviewItems programs; rare, so one look-up each.
		p, err := c.store.FindProgram(ctx, rq.ws(), in.ProgramID)
		switch {
		case err == nil:
			programs[p.ID] = p
		case enroll.ErrorCode(err) != enroll.ENOTFOUND:
			return nil, err
		}
	}
	program := func(in *enroll.ProgramInstance) (name, slug string) {
		if p := programs[in.ProgramID]; p != nil {
			return p.Name, p.Slug
		}
		return "", ""
	}
	sorted := slices.Clone(insts)
	fold := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	slices.SortStableFunc(sorted, func(a, b *enroll.ProgramInstance) int {
		an, as := program(a)
		bn, bs := program(b)
		return cmp.Or(fold(an, bn), strings.Compare(as, bs), fold(a.Name, b.Name),
			strings.Compare(a.Slug, b.Slug), strings.Compare(a.ID, b.ID))
	})
	out := make([]instanceChoice, len(sorted))
	// alike groups the labels that read the same to a person: case and
	// runs of spaces aside.
	alike := map[string][]int{}
	for i, in := range sorted {
		name, _ := program(in)
		out[i] = instanceChoice{ID: in.ID, Program: name, Name: in.Name}
		// Compared without the isolates, which a blank at a name's end
		// would make a word of its own.
		plain := in.Name
		if name != "" {
			plain = name + " — " + in.Name
		}
		key := strings.ToLower(strings.Join(strings.Fields(plain), " "))
		alike[key] = append(alike[key], i)
	}
	for _, group := range alike {
		if len(group) == 1 && !slug {
			continue
		}
		slugs := map[string]int{}
		for _, i := range group {
			slugs[sorted[i].Slug]++
		}
		for _, i := range group {
			in := sorted[i]
			out[i].Detail = in.Slug
			if slugs[in.Slug] > 1 {
				// Slugs are unique within a program only: two programs
				// of one name each have this one.
				if _, ps := program(in); ps != "" {
					out[i].Detail = ps + "/" + in.Slug
				} else {
					out[i].Detail = in.ID
				}
			}
		}
	}
	return out, nil
}
