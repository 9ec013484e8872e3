package console

import (
	"net/http"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// namesakes adds to the fixture's program two instances both named
// "2026", as the API allows (slugs are unique within a program, names
// nowhere), and a second program also named "Solar Rebate" with a "2026"
// of the same slug as one of them.
func (f *fixture) namesakes() (com, res, ny *enroll.ProgramInstance) {
	f.t.Helper()
	com = f.newInstance(&enroll.ProgramInstance{Slug: "2026-com", Name: "2026"})
	res = f.newInstance(&enroll.ProgramInstance{Slug: "2026-res", Name: "2026"})
	p := &enroll.Program{Slug: "solar-rebate-ny", Name: "Solar Rebate", Active: true}
	if err := f.store.CreateProgram(f.ctx, f.actor(), p); err != nil {
		f.t.Fatal(err)
	}
	ny = &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026-res", Name: "2026", Status: enroll.InstanceActive, AutoEvaluate: true}
	if err := f.store.CreateInstance(f.ctx, f.actor(), ny); err != nil {
		f.t.Fatal(err)
	}
	return com, res, ny
}

// TestInstanceMenusTellNamesakesApart: instances whose "Program —
// Instance" label would repeat get their slug after it (or the program's
// slug and theirs, when two programs share the name too), in the menus
// and the rows; the others stay as they were. Without it, the list's
// menu offered "Solar Rebate — 2026" three times.
func TestInstanceMenusTellNamesakesApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	com, res, ny := f.namesakes()
	f.enroll(com, "Cora", "Commercial", true)
	c := f.signedIn(f.secret)

	want := []string{
		com.ID + " Solar Rebate — 2026 (2026-com)",
		res.ID + " Solar Rebate — 2026 (solar-rebate/2026-res)",
		f.other.ID + " Solar Rebate — Solar Rebate 2025",
		f.inst.ID + " Solar Rebate — Solar Rebate 2026",
		ny.ID + " Solar Rebate — 2026 (solar-rebate-ny/2026-res)",
	}
	list := c.get(Prefix + "/enrollments").status(http.StatusOK)
	if got := options(list, "instance"); !slices.Equal(got, want) {
		t.Errorf("list menu = %q, want %q", got, want)
	}
	list.contains(`<td data-label="Instance">Solar Rebate — 2026 <span class="slug">2026-com</span></td>`)
	queue := c.get(Prefix + "/queue?instance=" + com.ID).status(http.StatusOK)
	if got := options(queue, "instance"); !slices.Equal(got, want) {
		t.Errorf("queue menu = %q, want %q", got, want)
	}
	queue.contains(`<option value="`+com.ID+`" selected>Solar Rebate — 2026 (2026-com)</option>`,
		`cora.commercial@example.com · Solar Rebate — 2026 <span class="slug">2026-com</span> · waiting`)
	// The Imports menu names every instance by slug, as before.
	want[2] += " (y2025)"
	want[3] += " (y2026)"
	if got := options(c.get(Prefix+"/imports").status(http.StatusOK), "import-instance"); !slices.Equal(got, want) {
		t.Errorf("imports menu = %q, want %q", got, want)
	}
}

// TestInstancePagesNameTheProgram: the import job's heading and the
// enrollment page name the instance as the menus do, with its program (and
// its slug among namesakes), linked to its enrollments where the key may
// list them. They named the instance alone ("Import into 2026").
func TestInstancePagesNameTheProgram(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	com, _, _ := f.namesakes()
	c := f.signedIn(f.secret)

	e := f.enroll(f.inst, "Ann", "Alone", false)
	c.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).contains(
		`<p class="lede">ann.alone@example.com · <a href="/console/enrollments?instance=`+f.inst.ID+`">Solar Rebate — Solar Rebate 2026</a></p>`,
		`>Solar Rebate — Solar Rebate 2026 (`+f.inst.ID+`)</a></dd>`)
	e = f.enroll(com, "Cora", "Commercial", false)
	c.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).contains(
		`· <a href="/console/enrollments?instance=`+com.ID+`">Solar Rebate — 2026 <span class="slug">2026-com</span></a></p>`,
		`>Solar Rebate — 2026 (2026-com, `+com.ID+`)</a></dd>`)

	form := c.get(Prefix + "/imports").status(http.StatusOK)
	job := c.upload(form.field("csrf"), com.ID, "people.csv", importCSV, true).status(http.StatusOK).URL.Path
	c.waitImport(job).contains(`<h1>Import into <a href="/console/enrollments?instance=` + com.ID +
		`">Solar Rebate — 2026 <span class="slug">2026-com</span></a> (dry run)</h1>`)

	// A key that may not list enrollments gets the name without the link;
	// one that may not read programs, the id, as before.
	secret, _ := f.newKey("importer", []enroll.Scope{enroll.ScopeImportsWrite, enroll.ScopeProgramsRead})
	f.signedIn(secret).get(job).status(http.StatusOK).
		contains(`<h1>Import into Solar Rebate — 2026 <span class="slug">2026-com</span> (dry run)</h1>`)
	secret, _ = f.newKey("blind importer", []enroll.Scope{enroll.ScopeImportsWrite})
	f.signedIn(secret).get(job).status(http.StatusOK).contains(`<h1>Import into ` + com.ID + ` (dry run)</h1>`)
	secret, _ = f.newKey("reader", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	f.signedIn(secret).get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK).
		contains(`<p class="lede">cora.commercial@example.com · ` + com.ID + `</p>`).lacks("Solar Rebate")
}
