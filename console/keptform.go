package console

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxKeptFormBytes bounds the form a POST made signed out may carry
// through the sign-in (keptForm): the other forms' limit, which holds
// every form but an instance's largest rules, details or lists, whose
// text the refusal then says it could not keep.
const maxKeptFormBytes = maxFormBytes

// maxSignInFormBytes bounds the sign-in form: its key, and a kept form
// with each field's name prefixed by keptPrefix.
const maxSignInFormBytes = 4 * maxKeptFormBytes

// keptPrefix starts the names of the sign-in form's fields that carry a
// kept form's, and resendField names the address it was sent to.
const (
	keptPrefix  = "keep."
	resendField = "resend"
)

// keptField is one value of a kept form.
type keptField struct {
	Name, Value string
}

// keptForm is a form sent after its session ended, carried through the
// sign-in so that what was typed is not lost: the refusal signs in on the
// spot, with the form's fields in hidden ones, and the page after the
// sign-in offers to send it again (resendOffer), as typed, with the new
// session's CSRF token. Nothing is sent without that click: the new
// session may be another key's, and the form's version (etag) is checked
// as any form's.
type keptForm struct {
	// Action is the form's address, a console form's (resendable).
	Action string
	// Fields are its values but the CSRF token, by name, each name's
	// values in the order sent.
	Fields []keptField
	// Shown are those Fields worth showing to the person: typed, not the
	// version or other fields the page set.
	Shown []keptField
}

// hiddenFields are the fields a console page sets in its forms, carried
// but not shown: the version, the status the page showed, where to
// return.
var hiddenFields = map[string]bool{"etag": true, "from": true, "return": true}

// newKeptForm returns the kept form of values sent to action, without
// the CSRF token, and false when nothing is left to keep.
func newKeptForm(action string, values url.Values) (*keptForm, bool) {
	k := &keptForm{Action: action}
	names := make([]string, 0, len(values))
	for name := range values {
		if name != csrfField {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range values[name] {
			f := keptField{Name: strings.ToValidUTF8(name, "\uFFFD"), Value: strings.ToValidUTF8(v, "\uFFFD")}
			k.Fields = append(k.Fields, f)
			if !hiddenFields[name] && strings.TrimSpace(v) != "" {
				k.Shown = append(k.Shown, f)
			}
		}
	}
	return k, len(k.Shown) > 0
}

// keepSignedOut reads the form of a POST made without a live session, to
// carry it through the sign-in, and returns nil when it is not kept: an
// upload (limit 0), whose file a form cannot carry; a form from another
// origin, which the console never echoes; one over maxKeptFormBytes, or
// that cannot be read; or one with nothing typed. It also reports
// whether a form was there but too large to keep.
func (c *Console) keepSignedOut(w http.ResponseWriter, r *http.Request, limit int64) (k *keptForm, tooLarge bool) {
	if limit <= 0 || !c.sameOrigin(r) || !resendable(c, r.URL.Path) {
		return nil, false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, min(limit, maxKeptFormBytes))
	if err := r.ParseForm(); err != nil {
		return nil, true
	}
	k, ok := newKeptForm(r.URL.Path, r.PostForm)
	if !ok {
		return nil, false
	}
	return k, false
}

// keptFromSignIn returns the form a sign-in carries (its keptPrefix
// fields, sent to its resendField), or nil when there is none or its
// address is not one resendable allows.
func (c *Console) keptFromSignIn(form url.Values) *keptForm {
	action := form.Get(resendField)
	if action == "" || !resendable(c, action) {
		return nil
	}
	values := url.Values{}
	for name, vs := range form {
		if n, ok := strings.CutPrefix(name, keptPrefix); ok {
			values[n] = vs
		}
	}
	if k, ok := newKeptForm(action, values); ok {
		return k
	}
	return nil
}

// resendable reports whether a kept form may be sent again to address
// p: a path of the console that one of its forms posts to (form), not
// the sign-in or sign-out, and not the import upload, whose file a kept
// form cannot hold.
func resendable(c *Console, p string) bool {
	if localPath(p, "") != p {
		return false
	}
	u, err := url.Parse(p)
	if err != nil || u.RawQuery != "" {
		return false
	}
	_, pattern := c.mux.Handler(&http.Request{Method: http.MethodPost, URL: u})
	path, ok := strings.CutPrefix(pattern, http.MethodPost+" ")
	if !ok || path == Prefix+"/signin" || path == Prefix+"/signout" || path == Prefix+"/imports" {
		return false
	}
	return slices.Contains(c.forms, path)
}

// resendData is the page after a sign-in that carried a kept form.
type resendData struct {
	Kept *keptForm
	// Next is the page the form was on, to go back to without sending.
	Next string
}
