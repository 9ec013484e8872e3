package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// changeStatus applies a status change posted from the enrollment page or
// the review queue: approve, reject, request action, pause, resume,
// unenroll, or another move the workflow allows. The form carries the ETag
// the page was rendered with; if the enrollment changed since, the change
// is refused inside the store's transaction and the page shows the
// enrollment as it is now, with the person's reason kept. Asking for the
// status the enrollment already has is done, as in the API, whatever the
// ETag (a double click, a form sent again after Back), unless the reason
// typed differs from the one recorded: that reason would be lost, so the
// page says so.
func (c *Console) changeStatus(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	to := enroll.Status(r.PostFormValue("to"))
	if !to.Valid() {
		c.renderError(w, r, rq, http.StatusUnprocessableEntity, "Cannot do that", "Unknown status "+shown(string(to))+".")
		return
	}
	// Scopes first, so a forged form learns nothing about the enrollment.
	if scope := allowedMove(rq, to); scope != "" {
		c.forbidden(w, r, rq, scope, "move an enrollment to "+statusLabel(to))
		return
	}
	reason := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("reason")), "\r\n", "\n")
	etag := r.PostFormValue("etag")
	label := newAction(enroll.Status(r.PostFormValue("from")), to).Label
	refuse := func(status int, explain func(d *detailData)) {
		d, err := c.loadDetail(r.Context(), rq, id)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		d.Reason = typed(reason)
		// Decided again from here, it goes back where it came from (the
		// queue, at its place), as the first attempt would have.
		d.Return = localPath(r.PostFormValue("return"), d.Return)
		keepVersion(d, status, etag)
		explain(d)
		c.renderDetail(w, r, rq, status, d)
	}
	problem := textProblem("The reason", false, reason)
	switch {
	case reasonRequired(to) && reason == "":
		refuse(http.StatusUnprocessableEntity, func(d *detailData) {
			d.Problem = "Give a reason to " + strings.ToLower(label) + ": the participant is told why."
		})
		return
	case problem != "":
		refuse(http.StatusUnprocessableEntity, func(d *detailData) { d.Problem = problem })
		return
	case !enroll.ValidID(id):
		c.storeError(w, r, rq, enroll.Errorf(enroll.ENOTFOUND, "Enrollment %s not found.", id))
		return
	}
	// otherReason is set when the enrollment already has the status, with
	// another reason than the one typed.
	otherReason := false
	e, err := c.store.UpdateEnrollment(r.Context(), rq.actor(), id, func(e *enroll.Enrollment) error {
		otherReason = false
		if !rq.key.SeesInstance(e.ProgramInstanceID) {
			return enroll.Errorf(enroll.ENOTFOUND, "Enrollment %s not found.", id)
		}
		if e.Eligibility.Status == to {
			if reason != "" && reason != e.Eligibility.Reason {
				otherReason = true
				return &enroll.Error{Code: enroll.EPRECONDITION, Message: "The enrollment already has this status, with another reason."}
			}
			return nil // changes nothing, so the store writes nothing
		}
		if etag == "" || e.ETag() != etag {
			return &enroll.Error{Code: enroll.EPRECONDITION, Message: "The enrollment changed since the page was shown.",
				Extra: map[string]any{"currentStatus": e.Eligibility.Status}}
		}
		e.SetStatus(to, reason)
		return nil
	})
	switch enroll.ErrorCode(err) {
	case "":
		c.sessions.setFlash(r.Context(), rq.sess, displayName(e)+" is now "+statusLabel(e.Eligibility.Status)+".")
		http.Redirect(w, r, localPath(r.PostFormValue("return"), Prefix+"/enrollments/"+id), http.StatusSeeOther)
	case enroll.EPRECONDITION:
		refuse(http.StatusConflict, func(d *detailData) {
			d.Conflict = &conflict{Attempted: label, Now: d.E.Eligibility.Status, Typed: reason}
			if otherReason && d.E.Eligibility.Status == to {
				d.Conflict.Already, d.Conflict.Reason = true, d.E.Eligibility.Reason
			}
		})
	case enroll.ECONFLICT:
		refuse(http.StatusConflict, func(d *detailData) { d.Problem = enroll.ErrorMessage(err) })
	case enroll.EINVALID:
		refuse(http.StatusUnprocessableEntity, func(d *detailData) { d.Problem = enroll.ErrorMessage(err) })
	default:
		c.storeError(w, r, rq, err)
	}
}

// saveNotes changes an enrollment's notes, with the same version check as
// a status change; notes equal to the stored ones are saved already, whatever
// the version (the form sent twice). A refusal shows the notes stored now
// beside the ones typed, so neither is lost. It needs enrollments:write.
func (c *Console) saveNotes(w http.ResponseWriter, r *http.Request, rq *request) {
	if !rq.has(enroll.ScopeEnrollmentsWrite) {
		c.forbidden(w, r, rq, enroll.ScopeEnrollmentsWrite, "change an enrollment's notes")
		return
	}
	id := r.PathValue("id")
	if !enroll.ValidID(id) {
		c.storeError(w, r, rq, enroll.Errorf(enroll.ENOTFOUND, "Enrollment %s not found.", id))
		return
	}
	notes := formText(r.PostFormValue("notes"))
	etag := r.PostFormValue("etag")
	refuse := func(status int, explain func(d *detailData)) {
		d, err := c.loadDetail(r.Context(), rq, id)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		d.Notes = typed(notes)
		keepVersion(d, status, etag)
		explain(d)
		c.renderDetail(w, r, rq, status, d)
	}
	if p := textProblem("The notes", true, notes); p != "" {
		refuse(http.StatusUnprocessableEntity, func(d *detailData) { d.Problem = p })
		return
	}
	e, err := c.store.UpdateEnrollment(r.Context(), rq.actor(), id, func(e *enroll.Enrollment) error {
		if !rq.key.SeesInstance(e.ProgramInstanceID) {
			return enroll.Errorf(enroll.ENOTFOUND, "Enrollment %s not found.", id)
		}
		if e.Notes == notes || formText(e.Notes) == notes {
			// Saved already, or sent back as shown: the API may have
			// stored blanks around the notes or CRLF line ends, which the
			// form drops, and keeps.
			return nil
		}
		if etag == "" || e.ETag() != etag {
			return &enroll.Error{Code: enroll.EPRECONDITION, Message: "The enrollment changed since the page was shown."}
		}
		e.Notes = notes
		return nil
	})
	switch enroll.ErrorCode(err) {
	case "":
		c.sessions.setFlash(r.Context(), rq.sess, "Notes saved for "+displayName(e)+".")
		http.Redirect(w, r, Prefix+"/enrollments/"+id+"#notes", http.StatusSeeOther)
	case enroll.EPRECONDITION:
		refuse(http.StatusConflict, func(d *detailData) { d.NotesConflict = true })
	case enroll.EINVALID:
		refuse(http.StatusUnprocessableEntity, func(d *detailData) { d.Problem = enroll.ErrorMessage(err) })
	default:
		c.storeError(w, r, rq, err)
	}
}

// formText is a textarea's text as the console saves it (notes, an
// endpoint's description): without the blanks around it, with LF line
// ends (a browser sends CRLF).
func formText(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
}

// keepVersion keeps, on a page refusing what was typed for itself (not
// for a conflict, which shows the enrollment as it is now to decide
// again), the version the typing started from: with the current one,
// the typed notes or decision, corrected, would replace what someone
// else saved meanwhile, which the page does not point out.
func keepVersion(d *detailData, status int, etag string) {
	if status != http.StatusConflict && etag != "" {
		d.ETag = etag
	}
}

// textProblem says why text typed in a form's field (subject, "The
// reason"; plural for "The notes") cannot be stored, in the console's
// words, "" when it can. The store refuses the same, but names its own
// field (eligibilityReason), and the page would show the text back as it
// came: bytes that are not UTF-8 come only from a forged or mangled form.
func textProblem(subject string, plural bool, s string) string {
	is, has := " is ", " contains "
	if plural {
		is, has = " are ", " contain "
	}
	switch {
	case !utf8.ValidString(s):
		return subject + is + "not valid UTF-8."
	case strings.ContainsRune(s, 0):
		return subject + has + "a NUL character."
	case utf8.RuneCountInString(s) > enroll.MaxTextLength:
		return subject + is + "too long (at most " + strconv.Itoa(enroll.MaxTextLength) + " characters)."
	}
	return ""
}

// typed is text typed in a form, to show again in the page (declared
// UTF-8): its bytes that are not UTF-8, and NUL characters, replaced.
func typed(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, string(utf8.RuneError)), "\x00", string(utf8.RuneError))
}
