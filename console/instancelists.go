package console

import (
	"net/http"
	"strings"

	"github.com/enrollhq/enroll"
)

// The instance page's parameters and groups forms: each list as a JSON
// textarea, saved whole, as the API's PATCH replaces a list it is sent.

// listForm is the form of one of an instance's lists (parameters,
// groups), as JSON, with what was typed and the objections.
type listForm struct {
	Text string
	// Errors are the messages about the list, each with its place in it
	// ("parameters[2].type: ...") when it has one.
	Errors []string
	// Problem sums up a refusal above the form.
	Problem string
	// Open shows the form unfolded: it is shown again after a refusal.
	Open bool
}

// instanceList is one of an instance's lists the page edits as JSON.
type instanceList struct {
	// Member is the list's member in the API ("parameters").
	Member string
	// What names the list in messages ("Parameters").
	What string
	// Read decodes text, returning what is wrong, or "" and set, which
	// puts the list on an instance.
	Read func(text string) (set func(*enroll.ProgramInstance), msg string)
	// Form is the list's form on the page.
	Form func(*instanceData) *listForm
}

// The lists the page edits as JSON.
var (
	parametersList = instanceList{Member: "parameters", What: "Parameters",
		Read: func(text string) (func(*enroll.ProgramInstance), string) {
			var list []enroll.Parameter
			msg := readList(text, &list, "a JSON list of parameters")
			return func(in *enroll.ProgramInstance) { in.Parameters = list }, msg
		},
		Form: func(d *instanceData) *listForm { return &d.Parameters }}
	groupsList = instanceList{Member: "groups", What: "Groups",
		Read: func(text string) (func(*enroll.ProgramInstance), string) {
			var list []enroll.Group
			msg := readList(text, &list, "a JSON list of groups")
			return func(in *enroll.ProgramInstance) { in.Groups = list }, msg
		},
		Form: func(d *instanceData) *listForm { return &d.Groups }}
)

// readList decodes a list's textarea; empty (or null) is the empty list,
// as the API's null clears a list.
func readList(text string, v any, want string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return readJSONField(text, v, want, true)
}

// listView is what the page's instanceList template shows of a list's
// form.
type listView struct {
	ID, Member, Label, Help, CSRF, ETag string
	Form                                listForm
}

// ListView returns the form of the list member (parameters, groups), for
// the page's instanceList template, with the session's CSRF token.
func (d *instanceData) ListView(member, csrf string) listView {
	v := listView{ID: d.Inst.ID, Member: member, CSRF: csrf, ETag: d.FormETag(member)}
	switch member {
	case "parameters":
		v.Label, v.Form = "Parameters", d.Parameters
		v.Help = `Each parameter is {"externalId", "name", "type", "constraints"}: the type is string, number, boolean, date, choice or object; ` +
			`the constraints, each optional, are required, readonly, hidden, unique, pattern (string and choice parameters) and options (choice). ` +
			`The list replaces the stored one, as the API's PATCH does; a new or changed declaration is checked as the API checks it.`
	default:
		v.Label, v.Form = "Groups", d.Groups
		v.Help = `Each group is {"id", "name"}, its id unique in the instance. The list replaces the stored one, as the API's PATCH does.`
	}
	return v
}

// newListForm returns a list's form showing list as stored.
func newListForm(list any) listForm { return listForm{Text: prettyJSON(list)} }

// saveList returns the handler that saves one of an instance's lists,
// replaced by the JSON typed, through UpdateInstance, so the domain's
// validation and the API's parameter checks apply. A refusal shows the
// page again, at this address, with what was typed and the errors at the
// textarea.
func (c *Console) saveList(list instanceList) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) { c.saveListForm(w, r, rq, list) }
}

// saveListForm is saveList's handler of list.
func (c *Console) saveListForm(w http.ResponseWriter, r *http.Request, rq *request, list instanceList) {
	if !c.mayChangeInstance(w, r, rq, "change program instances") {
		return
	}
	form := listForm{Text: typed(r.PostFormValue(list.Member)), Open: true}
	refuse := func(status int) {
		c.refuseInstance(w, r, rq, status, func(d *instanceData) {
			d.Conflict = status == http.StatusConflict
			*list.Form(d) = form
		})
	}
	set, msg := list.Read(r.PostFormValue(list.Member))
	if msg != "" {
		form.Errors = []string{msg}
		form.Problem = list.What + " were not saved: correct the JSON below."
		refuse(http.StatusUnprocessableEntity)
		return
	}
	id := r.PathValue("id")
	_, err := c.updateInstance(r.Context(), rq, id, r.PostFormValue("etag"), func(in *enroll.ProgramInstance) error {
		set(in)
		return nil
	})
	switch code := enroll.ErrorCode(err); {
	case err == nil:
	case code == enroll.EPRECONDITION:
		refuse(http.StatusConflict)
		return
	case code == enroll.EINVALID || code == enroll.EBADREQUEST:
		form.Problem = refusal(err, list.What+" were not saved", func(fe enroll.FieldError) bool {
			name, _ := strings.CutPrefix(fe.Location, "body.")
			if name != list.Member && !strings.HasPrefix(name, list.Member+"[") {
				return false
			}
			form.Errors = append(form.Errors, name+": "+sentence(fe.Message))
			return true
		})
		refuse(http.StatusUnprocessableEntity)
		return
	default:
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setFlash(r.Context(), rq.sess, list.What+" saved.")
	http.Redirect(w, r, instancePath(id)+"#"+list.Member, http.StatusSeeOther)
}
