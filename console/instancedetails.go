package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// The instance page's details form: an instance's name, slug, start and
// end dates and metadata, saved as the API's PATCH of those members is.

// detailsForm is the form of an instance's name, slug, dates and
// metadata, with what was typed and the objections.
type detailsForm struct {
	Name, Slug, StartDate, EndDate, Metadata string
	// Errors are messages by field: name, slug, startDate, endDate,
	// metadata.
	Errors map[string]string
	// Problem sums up a refusal above the form.
	Problem string
}

// detailsFields are the details form's fields, named as the API's members.
var detailsFields = map[string]bool{"name": true, "slug": true, "startDate": true, "endDate": true, "metadata": true}

// newDetailsForm returns the details form showing in as stored: dates in
// RFC 3339, as the API writes them, metadata as indented JSON.
func newDetailsForm(in *enroll.ProgramInstance) detailsForm {
	return detailsForm{Name: in.Name, Slug: in.Slug, StartDate: formTime(in.StartDate), EndDate: formTime(in.EndDate),
		Metadata: prettyJSON(in.Metadata), Errors: map[string]string{}}
}

// formTime is t in a form's field: RFC 3339 with as many fractional
// digits as it has, so that a form saved unchanged changes nothing.
func formTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// readFormTime reads a date field: RFC 3339, as the API takes it (see
// enroll.ParseTime), or empty for none, as the API's null.
func readFormTime(f *detailsForm, field, s string) *time.Time {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	t, _, err := enroll.ParseTime(strings.TrimSpace(s))
	if err != nil {
		f.Errors[field] = "Must be a date-time in RFC 3339 form, such as 2026-01-01T00:00:00Z, or empty for none."
		return nil
	}
	return &t
}

// readJSONField decodes a textarea's JSON into v, after the checks the
// API makes of a request body (enroll.CheckJSON): a member named twice, a
// number a float64 would not hold. want says what the field holds ("a
// JSON object"). Unknown members are refused when strict, as the API's
// schema refuses them in parameters and groups. It returns what is
// wrong, as a sentence, or "".
func readJSONField(text string, v any, want string, strict bool) string {
	data := []byte(text)
	d := json.NewDecoder(bytes.NewReader(data))
	if strict {
		d.DisallowUnknownFields()
	}
	err := d.Decode(v)
	if err == nil && d.More() {
		return "Must be " + want + ": there is more after it."
	}
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		if p := enroll.CheckJSON(data); p != nil {
			return "The JSON " + p.Error() + "."
		}
		// encoding/json takes "Hidden" for "hidden", even a second time
		// after it; the API's schema refuses both.
		if strict {
			if name := enroll.ExactKeys(data, v); name != "" {
				return "Must be " + want + ": member " + name + " is none of its members (names are case-sensitive)."
			}
		}
		return ""
	case errors.As(err, &te) && te.Field != "":
		return "Must be " + want + ": member " + te.Field + " must be " + jsonKind(te.Type.Kind()) + ", not " + te.Value + "."
	case errors.As(err, &te):
		return "Must be " + want + ", not " + te.Value + "."
	}
	return "Must be " + want + ": " + strings.TrimPrefix(err.Error(), "json: ") + "."
}

// jsonKind names the JSON value a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a number"
}

// saveDetails saves an instance's name, slug, dates and metadata. The
// metadata typed replaces the stored (the form shows all of it): a
// member left out is removed, as a PATCH's null removes it. A refusal
// shows the page again, at this address, with what was typed.
func (c *Console) saveDetails(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayChangeInstance(w, r, rq, "change program instances") {
		return
	}
	form := detailsForm{Name: typed(r.PostFormValue("name")), Slug: typed(r.PostFormValue("slug")),
		StartDate: typed(r.PostFormValue("startDate")), EndDate: typed(r.PostFormValue("endDate")),
		Metadata: typed(r.PostFormValue("metadata")), Errors: map[string]string{}}
	start, end := readFormTime(&form, "startDate", form.StartDate), readFormTime(&form, "endDate", form.EndDate)
	var metadata map[string]any
	if strings.TrimSpace(form.Metadata) != "" {
		if msg := readJSONField(form.Metadata, &metadata, "a JSON object", false); msg != "" {
			form.Errors["metadata"] = msg
		}
	}
	refuse := func(status int) {
		c.refuseInstance(w, r, rq, status, func(d *instanceData) {
			d.Details, d.Conflict = form, status == http.StatusConflict && form.Problem == ""
		})
	}
	if len(form.Errors) > 0 {
		form.Problem = "The details were not saved: correct the fields marked below."
		refuse(http.StatusUnprocessableEntity)
		return
	}
	id := r.PathValue("id")
	_, err := c.updateInstance(r.Context(), rq, id, r.PostFormValue("etag"), func(in *enroll.ProgramInstance) error {
		in.Name, in.Slug, in.StartDate, in.EndDate, in.Metadata = keepLineBreaks(r.PostFormValue("name"), in.Name), r.PostFormValue("slug"), start, end, metadata
		return nil
	})
	switch code := enroll.ErrorCode(err); {
	case err == nil:
	case code == enroll.EPRECONDITION:
		refuse(http.StatusConflict)
		return
	case code == enroll.ECONFLICT:
		// The program has another instance with this slug.
		form.Errors["slug"] = enroll.ErrorMessage(err)
		form.Problem = "The details were not saved: correct the fields marked below."
		refuse(http.StatusConflict)
		return
	case code == enroll.EINVALID || code == enroll.EBADREQUEST:
		form.Problem = refusal(err, "The details were not saved", func(fe enroll.FieldError) bool {
			name, _ := strings.CutPrefix(fe.Location, "body.")
			field, _, _ := strings.Cut(name, ".")
			if !detailsFields[field] {
				return false
			}
			msg := sentence(fe.Message)
			if field != name {
				msg = name + ": " + msg
			}
			form.Errors[field] = strings.TrimSpace(form.Errors[field] + " " + msg)
			return true
		})
		refuse(http.StatusUnprocessableEntity)
		return
	default:
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setFlash(r.Context(), rq.sess, "Details saved.")
	http.Redirect(w, r, instancePath(id)+"#details", http.StatusSeeOther)
}
