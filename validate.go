package enroll

import (
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on stored values, so one request cannot grow a row without bound.
const (
	// MaxNameLength bounds names, slugs, emails and other short strings.
	MaxNameLength = 256
	// MaxTextLength bounds descriptions, notes and reasons.
	MaxTextLength = 4096
	// MaxListItems bounds tags, manufacturer slugs, groups and similar lists.
	MaxListItems = 100
	// MaxMetadataBytes bounds the JSON size of a metadata object.
	MaxMetadataBytes = 16 * 1024
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:[-_][a-z0-9]+)*$`)

// maxSlugLength bounds slugs. It is longer than an id may be (ValidID), so
// what names an object by id or slug is checked with ValidIDOrSlug.
const maxSlugLength = 100

// maxExternalIDLength bounds a parameter's externalId, the key its values
// are sent under, and a group's id, as the API's schema does.
const maxExternalIDLength = 100

// ValidIDOrSlug reports whether s could name an object by its id or its
// slug: used to answer 404 at once for path parameters that take either
// (a program's) and that no store could hold.
func ValidIDOrSlug(s string) bool {
	return ValidID(s) || len(s) <= maxSlugLength && slugPattern.MatchString(s)
}

func loc(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func checkString(v *Invalid, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "is required", nil)
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8", nil)
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain NUL characters", s)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most "+strconv.Itoa(max)+" characters", s)
	}
}

// trimNames removes the white space around each of a person's names,
// which no one means and which would hide the name: a search for its
// first word would not find it, and sort=lastName would put it first.
// Every write of a name trims it, an enrollment's, a customer's and a
// lead's, through the API, the console and an import alike.
func trimNames(names ...*string) {
	for _, s := range names {
		*s = strings.TrimSpace(*s)
	}
}

func checkName(v *Invalid, field, s string, required bool) {
	checkString(v, field, s, MaxNameLength, required)
}

func checkText(v *Invalid, field, s string) { checkString(v, field, s, MaxTextLength, false) }

func checkSlug(v *Invalid, field, s string) {
	if s == "" {
		v.Add(field, "is required", nil)
	} else if len(s) > maxSlugLength || !slugPattern.MatchString(s) {
		v.Add(field, "must be lowercase letters, digits, - and _ (at most "+strconv.Itoa(maxSlugLength)+")", s)
	} else if idShaped(s) {
		// A slug stands in for an id, and ids are looked up first: this
		// one could name another object.
		v.Add(field, "must not have the form of an id (24 lowercase letters and digits)", s)
	}
}

// idShaped reports whether s has the form NewID gives ids.
func idShaped(s string) bool {
	return len(s) == idLength && strings.Trim(s, base36) == ""
}

// checkEmail refuses s, a participant's email, unless it is one bare
// address (or empty, when not required) that mail relays take
// (mailboxProblem). stored is the email the record holds, or "": s equal
// to it is checked only as emails were when it was stored, as an address,
// so that a record stored before the relays' rules were checked stays
// savable as read, and one made from it (an enrollment of its customer
// or lead) can be made.
func checkEmail(v *Invalid, field, s string, required bool, stored string) {
	if s == "" {
		if required {
			v.Add(field, "is required", nil)
		}
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		v.Add(field, "must be an email address", s)
		return
	}
	// No email was ever stored over MaxNameLength bytes: that length is
	// refused even as stored.
	if s == stored && len(s) <= MaxNameLength {
		return
	}
	// mailboxProblem, on the address parsed above; an address only too
	// long says so (longEmailProblem).
	problem := "must be an email address"
	switch {
	case bareAddress(s, a):
		problem = relayProblem(s)
	case bareButLong(s, a):
		problem = longEmailProblem(s)
	}
	if problem != "" {
		v.Add(field, problem, s)
	}
}

func checkList(v *Invalid, field string, items []string, max int) {
	if len(items) > MaxListItems {
		v.Add(field, "must have at most "+strconv.Itoa(MaxListItems)+" items", nil)
		return
	}
	for i, s := range items {
		checkString(v, loc(field, i), s, max, true)
	}
}

// checkRepeats refuses an item of a list that is a set (an enrollment's
// tags, manufacturer slugs, group ids) given a second time, at the
// repeat. Items compare exactly, as the list filters match them (tag=x
// does not find X). A list over the length limit is refused whole
// (checkList) and not checked item by item.
func checkRepeats(v *Invalid, field string, items []string) {
	if len(items) > MaxListItems {
		return
	}
	for i, s := range items {
		if slices.Contains(items[:i], s) {
			v.Add(loc(field, i), "is listed twice", s)
		}
	}
}

// withoutRepeats returns items with each item kept once, at its first
// place: a copy, or nil for nil.
func withoutRepeats(items []string) []string {
	if items == nil {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, s := range items {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkObjectMetadata is checkMetadata for the metadata of an enrollment,
// customer, lead, program or instance, after dropping its null members,
// recursively, as a merge patch applied to {} would: a merge patch reads
// null as "delete this member", so one stored could not be sent back
// (a read representation sent whole as a PATCH would delete it). Every
// write validates, so a create, an import and the console's forms agree.
func checkObjectMetadata(v *Invalid, m map[string]any) {
	withoutNullMembers(m)
	checkMetadata(v, "metadata", m)
}

// withoutNullMembers deletes, in place, the members of m and of the
// objects it holds whose value is null; lists are values, as in a merge
// patch, and keep their nulls.
func withoutNullMembers(m map[string]any) {
	for k, e := range m {
		switch x := e.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			withoutNullMembers(x)
		}
	}
}

func checkMetadata(v *Invalid, field string, m map[string]any) {
	if len(m) == 0 {
		return
	}
	// PostgreSQL's jsonb keeps -0 as 0: the value every store keeps, so
	// that an answer, an ETag and a later read agree.
	for k, e := range m {
		m[k] = withoutNegativeZero(e)
	}
	b, err := json.Marshal(m)
	if err != nil {
		v.Add(field, "must be a JSON object", nil)
	} else if len(b) > MaxMetadataBytes {
		v.Add(field, "must be at most "+strconv.Itoa(MaxMetadataBytes)+" bytes of JSON", nil)
	} else if hasNUL(m) {
		v.Add(field, "must not contain NUL characters", nil)
	} else if jsonDepth(m) > MaxJSONDepth {
		v.Add(field, "must nest at most "+strconv.Itoa(MaxJSONDepth)+" levels of objects and lists", nil)
	}
}

// MaxJSONDepth bounds the nesting of free-form JSON (metadata, object
// parameters, device attributes): deeper documents are stored fine but
// break the JSON readers of many clients (Python's, jq's).
const MaxJSONDepth = 32

// jsonDepth returns how deeply v nests objects and lists: 0 for a scalar.
func jsonDepth(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, jsonDepth(e))
		}
	case []any:
		for _, e := range x {
			d = max(d, jsonDepth(e))
		}
	default:
		return 0
	}
	return d + 1
}

// hasNUL reports whether a JSON value holds a NUL character in any string,
// key included: no store keeps one (PostgreSQL's jsonb refuses it).
// withoutNegativeZero returns v, decoded JSON, with every -0 made 0, in
// place.
func withoutNegativeZero(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return 0.0
		}
	case map[string]any:
		for k, e := range x {
			x[k] = withoutNegativeZero(e)
		}
	case []any:
		for i, e := range x {
			x[i] = withoutNegativeZero(e)
		}
	}
	return v
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// NormalizeEmail returns the form emails are compared in: trimmed and
// lower-cased, so "Suzie@Example.com" and "suzie@example.com" are one customer.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Address is a postal address, as in the seed's enrollment model.
type Address struct {
	// The representations show an address that is not set as null, and
	// each member of an address without a value as null (AppendJSON);
	// requests may leave members out, or send null for them.
	_          struct{} `nullable:"true"`
	StreetOne  string   `json:"streetOne,omitempty" maxLength:"256" nullable:"true"`
	StreetTwo  string   `json:"streetTwo,omitempty" maxLength:"256" nullable:"true"`
	City       string   `json:"city,omitempty" maxLength:"256" nullable:"true"`
	State      string   `json:"state,omitempty" maxLength:"256" nullable:"true"`
	PostalCode string   `json:"postalCode,omitempty" maxLength:"256" nullable:"true"`
	Country    string   `json:"country,omitempty" maxLength:"256" nullable:"true"`
}

// IsZero reports whether no field of the address is set.
func (a *Address) IsZero() bool { return a == nil || *a == Address{} }

// blank reports whether no field of the address holds a value other than
// white space.
func (a *Address) blank() bool {
	if a == nil {
		return true
	}
	for _, s := range []string{a.StreetOne, a.StreetTwo, a.City, a.State, a.PostalCode, a.Country} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

func (a *Address) validate(v *Invalid, field string) {
	if a == nil {
		return
	}
	for name, s := range map[string]string{
		"streetOne": a.StreetOne, "streetTwo": a.StreetTwo, "city": a.City,
		"state": a.State, "postalCode": a.PostalCode, "country": a.Country,
	} {
		checkName(v, field+"."+name, s, false)
	}
}

// checkOffset refuses a time whose UTC offset is a day or more (Go's
// parser takes "+24:00", RFC 3339 does not), which could not be encoded
// again: stored, every read of it would fail.
func checkOffset(v *Invalid, field string, t *time.Time) {
	if t != nil && !validOffset(*t) {
		v.Add(field, "must have a UTC offset between -23:59 and +23:59", t.Format("2006-01-02T15:04:05.999999999-07:00"))
	}
}

// validOffset reports whether t's UTC offset is within a day, as RFC 3339
// has it.
func validOffset(t time.Time) bool {
	_, off := t.Zone()
	return off > -24*3600 && off < 24*3600
}
