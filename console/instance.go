package console

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/enrollhq/enroll"
)

// The instance page (issue: instances from the console): an instance's
// settings, rules, parameters and groups, with a form for its status,
// capacity and autoEvaluate (this file), one for its name, slug, dates
// and metadata (instancedetails.go), one for its eligibility rules, which
// also tests them and tries them on a sample (instancerules.go), and one
// for each of its parameters and groups, as JSON (instancelists.go). Each
// changes it through the store's UpdateInstance, as the API's PATCH does,
// with the instance's ETag as If-Match.

// instanceData is an instance's page.
type instanceData struct {
	Inst *enroll.ProgramInstance
	// Program is the instance's program, nil when it cannot be read.
	Program *enroll.Program
	// Label names the instance as the menus do.
	Label string
	// Taken is how many places approved and paused enrollments take.
	Taken int
	// ETag is the instance's version the forms were shown for.
	ETag string
	// CanWrite offers the forms (programs:write).
	CanWrite bool
	// CanList links the instance's enrollments and offers the rules'
	// Test over them (enrollments:read).
	CanList  bool
	Settings settingsForm
	Details  detailsForm
	Rules    rulesForm
	// Parameters and Groups are the lists' JSON forms.
	Parameters, Groups listForm
	// Conflict is set when a form came from a page of an older version.
	Conflict bool
	// Typed names the form shown again with what was typed (its address's
	// last segment: rules, details...), TypedETag the version it was
	// typed on: see FormETag.
	Typed, TypedETag string
}

// FormETag is the version form's save must find: the version the page
// was shown at, but for a form shown again with what was typed (tested,
// tried on a sample, or refused before it reached the store), which keeps
// the version the typing started from. With the current one, a save from
// it would replace, with no conflict shown, what someone else saved since.
func (d *instanceData) FormETag(form string) string {
	if form == d.Typed && d.TypedETag != "" {
		return d.TypedETag
	}
	return d.ETag
}

// settingsForm is the form of an instance's status, capacity and
// autoEvaluate, with what was typed and the objections.
type settingsForm struct {
	Status       string
	Capacity     string
	AutoEvaluate bool
	// Errors are messages by field: status, capacity.
	Errors map[string]string
	// Problem sums up a refusal above the form.
	Problem string
}

// Statuses are the choices of the settings form's status.
func (*instanceData) Statuses() []enroll.InstanceStatus {
	return []enroll.InstanceStatus{enroll.InstanceActive, enroll.InstanceInactive, enroll.InstanceArchived}
}

// instancePath is the console page of instance id.
func instancePath(id string) string { return Prefix + "/instances/" + id }

// errStaleInstance refuses a form shown for another version of the instance.
var errStaleInstance = enroll.Errorf(enroll.EPRECONDITION, "The program instance changed since the page was shown.")

// findInstance loads instance id, when rq's key may see it; other
// instances are not found, as the API answers.
func (c *Console) findInstance(ctx context.Context, rq *request, id string) (*enroll.ProgramInstance, error) {
	if !visibleInstance(rq, id) {
		return nil, errInstanceNotFound(id)
	}
	return c.store.FindInstance(ctx, rq.ws(), id)
}

// visibleInstance reports whether id may name an instance rq's key sees.
func visibleInstance(rq *request, id string) bool {
	return enroll.ValidID(id) && rq.key.SeesInstance(id)
}

// errInstanceNotFound is the store's answer for an instance that is not
// there, for ids the store is not asked about.
func errInstanceNotFound(id string) error {
	return enroll.Errorf(enroll.ENOTFOUND, "Program instance %s not found.", id)
}

// loadInstance gathers an instance's page, its forms showing the instance
// as stored.
func (c *Console) loadInstance(ctx context.Context, rq *request, id string) (*instanceData, error) {
	in, err := c.findInstance(ctx, rq, id)
	if err != nil {
		return nil, err
	}
	counts, err := c.store.CountEnrollments(ctx, rq.ws(), in.ID)
	if err != nil {
		return nil, err
	}
	d := &instanceData{Inst: in, Label: isolate(in.Name), Taken: counts[enroll.StatusApproved] + counts[enroll.StatusPaused],
		ETag: enroll.ContentETag(in), CanWrite: rq.has(enroll.ScopeProgramsWrite), CanList: rq.has(enroll.ScopeEnrollmentsRead),
		Settings: newSettingsForm(in), Details: newDetailsForm(in), Rules: newRulesForm(in.EligibilityRules),
		Parameters: newListForm(in.Parameters), Groups: newListForm(in.Groups)}
	if p, err := c.store.FindProgram(ctx, rq.ws(), in.ProgramID); err == nil {
		d.Program = p
		d.Label = isolate(p.Name) + " — " + isolate(in.Name)
	} else if enroll.ErrorCode(err) != enroll.ENOTFOUND {
		return nil, err
	}
	return d, nil
}

// newSettingsForm returns the settings form showing in as stored.
func newSettingsForm(in *enroll.ProgramInstance) settingsForm {
	f := settingsForm{Status: string(in.Status), AutoEvaluate: in.AutoEvaluate, Errors: map[string]string{}}
	if in.Capacity != nil {
		f.Capacity = strconv.Itoa(*in.Capacity)
	}
	return f
}

// mayReadPrograms answers 403 and returns false unless rq's key may read
// program instances.
func (c *Console) mayReadPrograms(w http.ResponseWriter, r *http.Request, rq *request) bool {
	if !rq.has(enroll.ScopeProgramsRead) {
		c.forbidden(w, r, rq, enroll.ScopeProgramsRead, "see program instances")
		return false
	}
	return true
}

// mayChangeInstance answers 403 and returns false unless rq's key may
// change program instances. It is checked before anything is read.
func (c *Console) mayChangeInstance(w http.ResponseWriter, r *http.Request, rq *request, why string) bool {
	if !rq.has(enroll.ScopeProgramsWrite) {
		c.forbidden(w, r, rq, enroll.ScopeProgramsWrite, why)
		return false
	}
	return true
}

// instancePage shows an instance: its settings, rules, parameters and
// groups, and, for a key with programs:write, the forms that change it.
func (c *Console) instancePage(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayReadPrograms(w, r, rq) {
		return
	}
	d, err := c.loadInstance(r.Context(), rq, r.PathValue("id"))
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	c.renderInstance(w, r, rq, http.StatusOK, d)
}

// renderInstance renders an instance's page.
func (c *Console) renderInstance(w http.ResponseWriter, r *http.Request, rq *request, status int, d *instanceData) {
	c.render(w, r, rq, status, "instance", d.Label, d)
}

// refuseInstance shows the instance's page again, as stored now, with
// status, after a change it refused or a test; explain puts what was
// typed and why back on the page.
func (c *Console) refuseInstance(w http.ResponseWriter, r *http.Request, rq *request, status int, explain func(*instanceData)) {
	d, err := c.loadInstance(r.Context(), rq, r.PathValue("id"))
	if err != nil {
		c.storeError(w, r, rq, err)
		return
	}
	if status != http.StatusConflict {
		// After a conflict the typed form is shown to be checked against
		// the version shown now, and saved at it.
		d.Typed, d.TypedETag = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], r.PostFormValue("etag")
	}
	explain(d)
	c.renderInstance(w, r, rq, status, d)
}

// updateInstance changes the instance of r's path through fn, as the
// API's PATCH with If-Match does: fn runs only on the version etag names,
// through ProgramInstance.Change, as the PATCH's merge does.
func (c *Console) updateInstance(ctx context.Context, rq *request, id, etag string, fn func(*enroll.ProgramInstance) error) (*enroll.ProgramInstance, error) {
	if !visibleInstance(rq, id) {
		return nil, errInstanceNotFound(id)
	}
	return c.store.UpdateInstance(ctx, rq.actor(), id, func(in *enroll.ProgramInstance) error {
		if !tokensEqual(etag, enroll.ContentETag(in)) {
			return errStaleInstance
		}
		return in.Change(fn)
	})
}

// saveSettings saves an instance's status, capacity and autoEvaluate. A
// refusal shows the page again, at this address, with what was typed.
func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayChangeInstance(w, r, rq, "change program instances") {
		return
	}
	form := settingsForm{Status: typed(r.PostFormValue("status")), Capacity: typed(strings.TrimSpace(r.PostFormValue("capacity"))),
		AutoEvaluate: r.PostFormValue("autoEvaluate") == "true", Errors: map[string]string{}}
	var capacity *int
	if form.Capacity != "" {
		n, err := strconv.Atoi(form.Capacity)
		if errors.Is(err, strconv.ErrRange) {
			// A whole number all the same: past either bound, so the
			// store's validation refuses it in its words, as it does
			// 1000000001 or -3.
			n, err = math.MaxInt, nil
			if strings.HasPrefix(form.Capacity, "-") {
				n = math.MinInt
			}
		}
		if err != nil {
			form.Errors["capacity"] = "Must be a whole number, or empty for no capacity."
			form.Problem = "The settings were not saved: correct the fields marked below."
			c.refuseInstance(w, r, rq, http.StatusUnprocessableEntity, func(d *instanceData) { d.Settings = form })
			return
		}
		capacity = &n
	}
	id := r.PathValue("id")
	_, err := c.updateInstance(r.Context(), rq, id, r.PostFormValue("etag"), func(in *enroll.ProgramInstance) error {
		in.Status, in.Capacity, in.AutoEvaluate = enroll.InstanceStatus(r.PostFormValue("status")), capacity, form.AutoEvaluate
		return nil
	})
	switch code := enroll.ErrorCode(err); {
	case err == nil:
	case code == enroll.EPRECONDITION:
		c.refuseInstance(w, r, rq, http.StatusConflict, func(d *instanceData) { d.Conflict, d.Settings = true, form })
		return
	case code == enroll.EINVALID || code == enroll.EBADREQUEST:
		form.Problem = refusal(err, "The settings were not saved", func(fe enroll.FieldError) bool {
			name, _ := strings.CutPrefix(fe.Location, "body.")
			if name != "status" && name != "capacity" {
				return false
			}
			form.Errors[name] = sentence(fe.Message)
			return true
		})
		c.refuseInstance(w, r, rq, http.StatusUnprocessableEntity, func(d *instanceData) { d.Settings = form })
		return
	default:
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setFlash(r.Context(), rq.sess, "Settings saved.")
	http.Redirect(w, r, instancePath(id)+"#settings", http.StatusSeeOther)
}

// refusal puts each field error of err, an EINVALID or EBADREQUEST, by
// its field through place, which reports whether the form has one, and
// returns what to say above the form, under what: the errors of no field
// of the form, or else where to look.
func refusal(err error, what string, place func(enroll.FieldError) bool) string {
	var e *enroll.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return what + ": " + enroll.ErrorMessage(err)
	}
	var other []string
	for _, fe := range e.Fields {
		if !place(fe) {
			other = append(other, fe.Location+": "+fe.Message)
		}
	}
	if len(other) > 0 {
		return what + ": " + strings.Join(other, "; ") + "."
	}
	return what + ": correct the fields marked below."
}
