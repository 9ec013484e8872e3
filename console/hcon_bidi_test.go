package console

import (
	"net/http"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// Unicode's isolates: text between them keeps its own direction and
// leaves the text around it alone.
const (
	fsi = "\u2068" // FIRST STRONG ISOLATE
	pdi = "\u2069" // POP DIRECTIONAL ISOLATE
)

// TestHconBidiIsolated: a participant's, a program's or an instance's text
// that is right to left, or holds a direction override, is isolated where
// the console writes its own words after it, so that "Ann<RLO> Smith is
// now approved." does not read "Ann.devorppa won si htimS" and an Arabic
// name does not carry the sentence's full stop to its other side. Text
// without such characters is written as it is.
func TestHconBidiIsolated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rlo := f.enroll(f.inst, "Ann\u202e", "Smith", true, func(r *enroll.EnrollmentCreate) { r.Email = "ann@example.com" })
	arabic := f.enroll(f.inst, "مرحبا", "سلام", true, func(r *enroll.EnrollmentCreate) { r.Email = "ar@example.com" })
	plain := f.enroll(f.inst, "Plain", "Person", true)
	prog := &enroll.Program{Slug: "rtl", Name: "برنامج", Active: true}
	if err := f.store.CreateProgram(f.ctx, f.actor(), prog); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: prog.ID, Slug: "y2026", Name: "Season\u202e 2026", Status: enroll.InstanceActive, AutoEvaluate: true}
	if err := f.store.CreateInstance(f.ctx, f.actor(), inst); err != nil {
		t.Fatal(err)
	}
	f.enroll(inst, "Inst", "Member", true)
	c := f.signedIn(f.secret)

	// The flash after a decision and after notes.
	for _, e := range []*enroll.Enrollment{rlo, arabic} {
		name := fsi + displayNameRaw(e) + pdi
		page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
		c.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "")).
			status(http.StatusOK).contains(`<div class="flash" role="status">` + name + ` is now approved.</div>`)
		page = c.get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).
			contains("<h1>"+name+"</h1>", `<span aria-current="page">`+name+`</span>`, `data-name="`+name+`"`)
	}
	page := c.get(Prefix + "/enrollments/" + plain.ID).status(http.StatusOK)
	c.post(Prefix+"/enrollments/"+plain.ID+"/status", page.decision(enroll.StatusApproved, "")).
		status(http.StatusOK).contains(`<div class="flash" role="status">Plain Person is now approved.</div>`)

	// A program's name before its slug, an instance's before the
	// console's words.
	c.get(Prefix+"/").status(http.StatusOK).
		contains(`>`+fsi+"برنامج"+pdi+` <span class="slug">rtl</span>`, `>`+fsi+"Season\u202e 2026"+pdi+`</a>`).
		contains(`>Solar Rebate <span class="slug">solar-rebate</span>`)
	c.get(Prefix + "/queue").status(http.StatusOK).
		contains(fsi + "برنامج" + pdi + " — " + fsi + "Season\u202e 2026" + pdi + " · waiting")
	c.get(Prefix + "/enrollments").status(http.StatusOK).contains(fsi + "Ann\u202e Smith" + pdi + "</a>")
}

// displayNameRaw is the participant's name as stored, first and last.
func displayNameRaw(e *enroll.Enrollment) string {
	return strings.TrimSpace(e.FirstName + " " + e.LastName)
}
