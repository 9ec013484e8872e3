package http

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// PATCH bodies are JSON merge patches (RFC 7396): a member present replaces
// the stored value (objects merge recursively), null clears an optional
// member, an absent member is untouched. Each PATCH operation declares a
// body struct so Huma documents and validates the patch, and also takes the
// raw body, because only the raw document tells "absent" from null. The
// patch is applied inside the store's update callback, atomically with the
// write: the entity is turned into a JSON object, merged, and read back.

// readOnlyMembers are members of the representations that a PATCH cannot
// change. A client may send them back as it read them (so a fetched
// representation can be patched whole); a different value is a 422.
var readOnlyMembers = map[string]bool{
	"id": true, "createdAt": true, "updatedAt": true, "customerId": true, "leadId": true,
	"enrollmentId": true, "identificationType": true, "programInstanceId": true,
	"eligibility": true, "enrolledAt": true, "unenrolledAt": true, "evaluation": true,
	"programId": true, "rulesVersion": true, "disabledReason": true, "previousSecretExpiresAt": true,
	"template": true, "secretError": true,
}

// computedMembers are read-only members a representation shows but the
// entity does not store (an enrollment's template, from its notifications;
// a webhook endpoint's secretError, from its stored secret): a PATCH
// ignores them rather than comparing them.
var computedMembers = map[string]bool{"template": true, "secretError": true}

// AddressPatch is an address in a merge patch: its members merge with the
// stored address, and null removes one, or, for the whole address, all.
type AddressPatch struct {
	_          struct{} `nullable:"true"`
	StreetOne  *string  `json:"streetOne,omitempty" maxLength:"256" nullable:"true"`
	StreetTwo  *string  `json:"streetTwo,omitempty" maxLength:"256" nullable:"true"`
	City       *string  `json:"city,omitempty" maxLength:"256" nullable:"true"`
	State      *string  `json:"state,omitempty" maxLength:"256" nullable:"true"`
	PostalCode *string  `json:"postalCode,omitempty" maxLength:"256" nullable:"true"`
	Country    *string  `json:"country,omitempty" maxLength:"256" nullable:"true"`
}

// patchBodies names, for each PATCH body's schema, the schema of the
// representation it patches.
var patchBodies = map[string]string{
	"EnrollmentPatch": "EnrollmentDetail", "CustomerPatch": "Customer", "LeadPatch": "Lead",
	"InstancePatch": "ProgramInstance", "ProgramPatch": "Program", "WebhookEndpointPatch": "WebhookEndpoint",
	"NotificationTemplatePatch": "NotificationTemplate",
}

// documentReadOnlyMembers puts in each PATCH body's schema the read-only
// members its representation has, typed as the representation types them
// and said to be read-only, in place of ReadOnlyMembers' hidden list of
// every representation's: the document shows what a client may send back,
// and the validator, which reads the same schemas, accepts those only.
func documentReadOnlyMembers(schemas huma.Registry) {
	for patch, rep := range patchBodies {
		p, r := schemas.Map()[patch], schemas.Map()[rep]
		if p == nil || r == nil {
			panic("documentReadOnlyMembers: no schema " + patch + " or " + rep)
		}
		for name := range readOnlyMembers {
			delete(p.Properties, name)
			if rp, ok := r.Properties[name]; ok {
				member := *rp
				member.Description = "Read-only: may be sent back as read; another value is a 422."
				if computedMembers[name] {
					member.Description = "Read-only, computed: may be sent back; its value is ignored."
				}
				p.Properties[name] = &member
			}
		}
		p.PrecomputeMessages()
	}
}

// ReadOnlyMembers lets each PATCH body take the read-only members a client
// may echo back unchanged, which applyPatch compares with the stored ones.
// Hidden: documentReadOnlyMembers documents those of each representation.
type ReadOnlyMembers struct {
	ID                 any `json:"id,omitempty" hidden:"true"`
	CreatedAt          any `json:"createdAt,omitempty" hidden:"true"`
	UpdatedAt          any `json:"updatedAt,omitempty" hidden:"true"`
	CustomerID         any `json:"customerId,omitempty" hidden:"true"`
	LeadID             any `json:"leadId,omitempty" hidden:"true"`
	EnrollmentID       any `json:"enrollmentId,omitempty" hidden:"true"`
	IdentificationType any `json:"identificationType,omitempty" hidden:"true"`
	ProgramInstanceID  any `json:"programInstanceId,omitempty" hidden:"true"`
	Eligibility        any `json:"eligibility,omitempty" hidden:"true"`
	EnrolledAt         any `json:"enrolledAt,omitempty" hidden:"true"`
	UnenrolledAt       any `json:"unenrolledAt,omitempty" hidden:"true"`
	Evaluation         any `json:"evaluation,omitempty" hidden:"true"`
	ProgramID          any `json:"programId,omitempty" hidden:"true"`
	RulesVersion       any `json:"rulesVersion,omitempty" hidden:"true"`
	DisabledReason     any `json:"disabledReason,omitempty" hidden:"true"`
	PreviousSecretExp  any `json:"previousSecretExpiresAt,omitempty" hidden:"true"`
	Template           any `json:"template,omitempty" hidden:"true"`
	SecretError        any `json:"secretError,omitempty" hidden:"true"`
}

// patchMembers names the members a PATCH may change; the value says whether
// null is allowed (clearing the member) or refused (a required or boolean
// member has no "cleared" state).
type patchMembers map[string]bool

// patchDoc is a parsed merge patch: its top-level members.
type patchDoc map[string]any

// parsePatch decodes a PATCH body. Huma has already checked that it is a
// JSON object matching the body schema.
func parsePatch(raw []byte) (patchDoc, error) {
	var doc map[string]any
	if err := decodeJSON(raw, &doc); err != nil || doc == nil {
		return nil, &enroll.Error{Code: enroll.EBADREQUEST, Message: "The request body must be a JSON object."}
	}
	delete(doc, "$schema")
	return doc, nil
}

// has reports whether the patch contains member name, null or not.
func (p patchDoc) has(name string) bool {
	_, ok := p[name]
	return ok
}

// applyPatch merges p into *cur: members in allowed replace or merge,
// read-only members must equal the stored value, other members (handled by
// the caller, such as eligibilityStatus) are ignored. Fields without a JSON
// form (workspace id, version) are kept. Every bad member is reported.
func applyPatch[T any](cur *T, p patchDoc, allowed patchMembers) error {
	b, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := decodeJSON(b, &doc); err != nil {
		return err
	}
	var v enroll.Invalid
	for name, value := range p {
		nullable, ok := allowed[name]
		switch {
		case ok && value == nil && !nullable:
			v.Add("body."+name, "cannot be null", nil)
		case ok && value == nil:
			delete(doc, name)
		case ok:
			doc[name] = mergeValue(doc[name], value)
		case computedMembers[name]:
		case readOnlyMembers[name] && !sameValue(doc[name], value):
			v.Add("body."+name, "is read-only and cannot be changed", value)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	merged, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	var next T
	if err = json.Unmarshal(merged, &next); err != nil {
		err = integerRetry(merged, &next, err)
	}
	if err != nil {
		return &enroll.Error{Code: enroll.EINVALID, Message: "The patched representation is not valid: " + err.Error(),
			Fields: []enroll.FieldError{{Location: "body", Message: err.Error()}}}
	}
	keepUnexported(reflect.ValueOf(&next).Elem(), reflect.ValueOf(cur).Elem())
	*cur = next
	return nil
}

// mergeValue is RFC 7396's MergePatch for one member.
func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergeValue(tm[k], v)
		}
	}
	return tm
}

// keepUnexported copies the fields a JSON round trip loses (json:"-").
func keepUnexported(dst, src reflect.Value) {
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("json") == "-" {
			dst.Field(i).Set(src.Field(i))
		}
	}
}

// decodeJSON decodes keeping numbers exact, so values merge and compare
// without float rounding.
func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// sameValue compares a stored value with one a client echoed back. Absent,
// null and "" are the same; times compare as instants; numbers by value.
func sameValue(a, b any) bool {
	if isBlank(a) || isBlank(b) {
		return isBlank(a) && isBlank(b)
	}
	switch av := a.(type) {
	case string:
		bv, ok := b.(string)
		if !ok {
			return false
		}
		if av == bv {
			return true
		}
		at, err1 := time.Parse(time.RFC3339Nano, av)
		bt, err2 := time.Parse(time.RFC3339Nano, bv)
		return err1 == nil && err2 == nil && at.Equal(bt)
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return false
		}
		af, err1 := strconv.ParseFloat(string(av), 64)
		bf, err2 := strconv.ParseFloat(string(bv), 64)
		return err1 == nil && err2 == nil && af == bf
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, x := range av {
			if !sameValue(x, bv[k]) {
				return false
			}
		}
		for k, y := range bv {
			if _, ok := av[k]; !ok && !isBlank(y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !sameValue(av[i], bv[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a, b)
	}
}

// isBlank reports whether v means "no value".
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	}
	return false
}
