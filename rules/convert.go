package rules

import (
	"math"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
)

// This file converts the domain objects to the maps rules see without
// going through encoding/json, and only the fields the rules read (in a
// partial, see partial.go, when that is not all of them).
//
// The result must be exactly what toMap builds (see input.go) for those
// fields: the JSON field names, omitempty, null for nil slices and maps,
// RFC 3339 times, whole numbers as int64 and other numbers as float64,
// but the values of the instance's number parameters as float64
// (numberParam).
// Whatever the fast path does not reproduce with certainty — an error the
// JSON encoding would report anywhere in the object (a NaN, a year past
// 9999, a value of an unexpected Go type), an invalid UTF-8 string that
// the encoding would alter, very deep nesting — makes it decline, and the
// caller falls back to toMap. TestFastConversionMatchesJSON and
// TestPrunedConversionMatchesJSON hold the two paths together.

// The JSON fields of each object, in declaration order; a field's bit in a
// fieldMask is 1 << its index here.
var (
	enrollmentFields = []string{
		"id", "identificationType", "programInstanceId", "leadId", "customerId", "enrollmentId",
		"firstName", "lastName", "email", "phone", "address", "manufacturerSlugs", "serialNumber",
		"devices", "referenceId", "referenceDescription", "tags", "metadata", "parameters",
		"groupIds", "notes", "assignee", "enrollmentStartDate", "enrolledAt", "unenrolledAt",
		"eligibility", "evaluation", "createdAt", "updatedAt",
		"params", // not a JSON field: the parameter values by externalId
	}
	customerFields = []string{
		"id", "firstName", "lastName", "email", "phone", "address", "referenceId", "metadata",
		"createdAt", "updatedAt",
	}
	instanceFields = []string{
		"id", "programId", "slug", "name", "status", "startDate", "endDate", "capacity",
		"autoEvaluate", "eligibilityRules", "rulesVersion", "parameters", "groups", "metadata",
		"createdAt", "updatedAt",
	}
	fieldBits = map[string]map[string]fieldMask{
		varEnrollment: bitsOf(enrollmentFields),
		varCustomer:   bitsOf(customerFields),
		varInstance:   bitsOf(instanceFields),
	}
)

func bitsOf(names []string) map[string]fieldMask {
	m := make(map[string]fieldMask, len(names))
	for i, n := range names {
		m[n] = 1 << i
	}
	return m
}

// fieldBit returns the bit of variable v's field name, or 0 for a name
// the object does not have: its lookup fails whatever the map holds.
func fieldBit(v, name string) fieldMask { return fieldBits[v][name] }

// Field bits, by the index of the name in the tables above.
const (
	eID fieldMask = 1 << iota
	eIdentificationType
	eProgramInstanceID
	eLeadID
	eCustomerID
	eEnrollmentID
	eFirstName
	eLastName
	eEmail
	ePhone
	eAddress
	eManufacturerSlugs
	eSerialNumber
	eDevices
	eReferenceID
	eReferenceDescription
	eTags
	eMetadata
	eParameters
	eGroupIDs
	eNotes
	eAssignee
	eEnrollmentStartDate
	eEnrolledAt
	eUnenrolledAt
	eEligibility
	eEvaluation
	eCreatedAt
	eUpdatedAt
	eParams
)

const (
	cID fieldMask = 1 << iota
	cFirstName
	cLastName
	cEmail
	cPhone
	cAddress
	cReferenceID
	cMetadata
	cCreatedAt
	cUpdatedAt
)

const (
	iID fieldMask = 1 << iota
	iProgramID
	iSlug
	iName
	iStatus
	iStartDate
	iEndDate
	iCapacity
	iAutoEvaluate
	iEligibilityRules
	iRulesVersion
	iParameters
	iGroups
	iMetadata
	iCreatedAt
	iUpdatedAt
)

// maxDepth bounds the nesting of free-form values on the fast path; deeper
// values (or cyclic ones) take the JSON path, which reports what it must.
const maxDepth = 64

// emptyObject is the map of a missing customer. Rules cannot modify maps,
// so one instance serves every evaluation.
var emptyObject = map[string]any{}

// obj builds one object: the map of all its fields, or a partial of those
// the mask asks for; its setters skip the others. A false ok means the
// fast path declined.
type obj struct {
	m    map[string]any // the object, or
	p    *partial       // the object, when only some fields are wanted
	need fieldMask
	ok   bool
	ar   *arena
}

func newObj(ar *arena, need fieldMask, fields int) obj {
	if need != allFields {
		return obj{p: ar.newPartial(bits.OnesCount64(uint64(need))), need: need, ok: true, ar: ar}
	}
	return obj{m: ar.newMap(fields), need: need, ok: true, ar: ar}
}

// put sets field key to v.
func (o *obj) put(key string, v any) {
	if o.p != nil {
		o.p.set(key, v)
		return
	}
	o.m[key] = v
}

// result is the object built: a map, or a partial.
func (o *obj) result() any {
	if o.p != nil {
		return o.p
	}
	return o.m
}

// child returns an object nested in o, with all its fields.
func (o *obj) child(fields int) obj {
	return obj{m: o.ar.newMap(fields), need: allFields, ok: true, ar: o.ar}
}

func (o *obj) wants(bit fieldMask) bool { return o.need&bit != 0 }

// str sets a string field; omitEmpty leaves out "".
func (o *obj) str(bit fieldMask, key, s string, omitEmpty bool) {
	if o.need&bit == 0 || omitEmpty && s == "" {
		return
	}
	if !utf8.ValidString(s) {
		o.ok = false
		return
	}
	o.put(key, s)
}

// time sets a time field, or only checks that it encodes when the field is
// not wanted: the JSON path fails on the whole object otherwise.
func (o *obj) time(bit fieldMask, key string, t time.Time) {
	if o.need&bit == 0 {
		if !timeEncodes(t) {
			o.ok = false
		}
		return
	}
	s, ok := timeString(t)
	if !ok {
		o.ok = false
		return
	}
	o.put(key, s)
}

// timePtr is time for an omitempty *time.Time.
func (o *obj) timePtr(bit fieldMask, key string, t *time.Time) {
	if t != nil {
		o.time(bit, key, *t)
	}
}

// value sets a free-form field, or checks it when not wanted.
func (o *obj) value(bit fieldMask, key string, v any) {
	if o.need&bit == 0 {
		if !encodes(v, 0) {
			o.ok = false
		}
		return
	}
	out, _, ok := normalize(o.ar, v, 0)
	if !ok {
		o.ok = false
		return
	}
	o.put(key, out)
}

// freeForm sets a free-form map field with only the entries in ks, or
// checks it when not wanted. A map with only some entries is as good as
// the whole for the rules, which read only those; the others must still
// encode, and all keys be valid UTF-8, lest their JSON forms differ.
func (o *obj) freeForm(bit fieldMask, key string, m map[string]any, ks *keySet) {
	if o.need&bit == 0 || ks.all || m == nil {
		o.value(bit, key, m)
		return
	}
	sub := o.ar.newPartial(len(ks.keys))
	for k, v := range m {
		if !utf8.ValidString(k) {
			o.ok = false
			return
		}
		if !ks.wants(k) {
			if !encodes(v, 1) {
				o.ok = false
				return
			}
			continue
		}
		n, _, ok := normalize(o.ar, v, 1)
		if !ok {
			o.ok = false
			return
		}
		sub.set(k, n)
	}
	o.put(key, sub)
}

// strings sets a []string field: null when nil.
func (o *obj) strings(bit fieldMask, key string, ss []string) {
	if o.need&bit == 0 {
		return
	}
	if ss == nil {
		o.put(key, nil)
		return
	}
	l, ok := stringList(o.ar, ss)
	if !ok {
		o.ok = false
		return
	}
	o.put(key, l)
}

func stringList(ar *arena, ss []string) ([]any, bool) {
	l := ar.newList(len(ss))
	for i, s := range ss {
		if !utf8.ValidString(s) {
			return nil, false
		}
		l[i] = s
	}
	return l, true
}

// enrollmentMap returns the map enrollmentJSON builds for e in instance
// inst, with params; or, when need is not allFields, a partial of the
// fields in need (and of the metadata and params entries in the key
// sets). False means the caller must use enrollmentJSON.
func enrollmentMap(ar *arena, e *enroll.Enrollment, inst *enroll.ProgramInstance, need fieldMask, metadata, params *keySet) (any, bool) {
	o := newObj(ar, need, len(enrollmentFields))
	o.str(eID, "id", e.ID, false)
	o.str(eIdentificationType, "identificationType", string(e.IdentificationType), false)
	o.str(eProgramInstanceID, "programInstanceId", e.ProgramInstanceID, false)
	o.str(eLeadID, "leadId", e.LeadID, true)
	o.str(eCustomerID, "customerId", e.CustomerID, true)
	o.str(eEnrollmentID, "enrollmentId", e.EnrollmentID, true)
	o.str(eFirstName, "firstName", e.FirstName, true)
	o.str(eLastName, "lastName", e.LastName, true)
	o.str(eEmail, "email", e.Email, true)
	o.str(ePhone, "phone", e.Phone, true)
	if o.wants(eAddress) && e.Address != nil {
		o.addr(e.Address)
	}
	o.strings(eManufacturerSlugs, "manufacturerSlugs", e.ManufacturerSlugs)
	o.str(eSerialNumber, "serialNumber", e.SerialNumber, true)
	o.devices(e.Devices)
	o.str(eReferenceID, "referenceId", e.ReferenceID, true)
	o.str(eReferenceDescription, "referenceDescription", e.ReferenceDescription, true)
	o.strings(eTags, "tags", e.Tags)
	o.freeForm(eMetadata, "metadata", e.Metadata, metadata)
	o.parameters(e.Parameters, inst)
	o.strings(eGroupIDs, "groupIds", e.GroupIDs)
	o.str(eNotes, "notes", e.Notes, true)
	o.str(eAssignee, "assignee", e.Assignee, true)
	o.timePtr(eEnrollmentStartDate, "enrollmentStartDate", e.EnrollmentStartDate)
	o.timePtr(eEnrolledAt, "enrolledAt", e.EnrolledAt)
	o.timePtr(eUnenrolledAt, "unenrolledAt", e.UnenrolledAt)
	if o.wants(eEligibility) {
		el := o.child(3)
		el.str(allFields, "status", string(e.Eligibility.Status), false)
		el.str(allFields, "reason", e.Eligibility.Reason, true)
		el.str(allFields, "programInstanceId", e.Eligibility.ProgramInstanceID, false)
		o.set("eligibility", el)
	}
	o.evaluation(e.Evaluation)
	o.time(eCreatedAt, "createdAt", e.CreatedAt)
	o.time(eUpdatedAt, "updatedAt", e.UpdatedAt)
	if o.wants(eParams) {
		o.params(e.Parameters, inst, params)
	}
	return o.result(), o.ok
}

// customerMap is enrollmentMap for a customer; nil is the empty map.
func customerMap(ar *arena, c *enroll.Customer, need fieldMask, metadata *keySet) (any, bool) {
	if c == nil {
		return emptyObject, true
	}
	o := newObj(ar, need, len(customerFields))
	o.str(cID, "id", c.ID, false)
	o.str(cFirstName, "firstName", c.FirstName, false)
	o.str(cLastName, "lastName", c.LastName, false)
	o.str(cEmail, "email", c.Email, false)
	o.str(cPhone, "phone", c.Phone, true)
	if o.wants(cAddress) && c.Address != nil {
		o.addr(c.Address)
	}
	o.str(cReferenceID, "referenceId", c.ReferenceID, true)
	o.freeForm(cMetadata, "metadata", c.Metadata, metadata)
	o.time(cCreatedAt, "createdAt", c.CreatedAt)
	o.time(cUpdatedAt, "updatedAt", c.UpdatedAt)
	return o.result(), o.ok
}

// instanceMap is enrollmentMap for a program instance.
func instanceMap(ar *arena, in *enroll.ProgramInstance, need fieldMask, metadata *keySet) (any, bool) {
	o := newObj(ar, need, len(instanceFields))
	o.str(iID, "id", in.ID, false)
	o.str(iProgramID, "programId", in.ProgramID, false)
	o.str(iSlug, "slug", in.Slug, false)
	o.str(iName, "name", in.Name, false)
	o.str(iStatus, "status", string(in.Status), false)
	o.timePtr(iStartDate, "startDate", in.StartDate)
	o.timePtr(iEndDate, "endDate", in.EndDate)
	if o.wants(iCapacity) && in.Capacity != nil {
		o.put("capacity", int64(*in.Capacity))
	}
	if o.wants(iAutoEvaluate) {
		o.put("autoEvaluate", in.AutoEvaluate)
	}
	if o.wants(iEligibilityRules) {
		if in.EligibilityRules == nil {
			o.put("eligibilityRules", nil)
		} else {
			l := o.ar.newList(len(in.EligibilityRules))
			for i, r := range in.EligibilityRules {
				ro := o.child(3)
				ro.str(allFields, "name", r.Name, false)
				ro.str(allFields, "expression", r.Expression, false)
				ro.str(allFields, "reason", r.Reason, true)
				o.ok = o.ok && ro.ok
				l[i] = ro.m
			}
			o.put("eligibilityRules", l)
		}
	}
	if o.wants(iRulesVersion) {
		o.put("rulesVersion", int64(in.RulesVersion))
	}
	if o.wants(iParameters) {
		if in.Parameters == nil {
			o.put("parameters", nil)
		} else {
			l := o.ar.newList(len(in.Parameters))
			for i, p := range in.Parameters {
				po := o.child(4)
				po.str(allFields, "externalId", p.ExternalID, false)
				po.str(allFields, "name", p.Name, false)
				po.str(allFields, "type", string(p.Type), false)
				c := p.Constraints
				co := po.child(6)
				co.m["required"], co.m["readonly"], co.m["hidden"], co.m["unique"] = c.Required, c.Readonly, c.Hidden, c.Unique
				co.str(allFields, "pattern", c.Pattern, true)
				if len(c.Options) > 0 {
					co.strings(allFields, "options", c.Options)
				}
				po.set("constraints", co)
				o.ok = o.ok && po.ok
				l[i] = po.m
			}
			o.put("parameters", l)
		}
	}
	if o.wants(iGroups) {
		if in.Groups == nil {
			o.put("groups", nil)
		} else {
			l := o.ar.newList(len(in.Groups))
			for i, g := range in.Groups {
				gm := o.child(2)
				gm.str(allFields, "id", g.ID, false)
				gm.str(allFields, "name", g.Name, false)
				o.ok = o.ok && gm.ok
				l[i] = gm.m
			}
			o.put("groups", l)
		}
	}
	o.freeForm(iMetadata, "metadata", in.Metadata, metadata)
	o.time(iCreatedAt, "createdAt", in.CreatedAt)
	o.time(iUpdatedAt, "updatedAt", in.UpdatedAt)
	return o.result(), o.ok
}

// set stores a nested object built with need allFields.
func (o *obj) set(key string, sub obj) {
	o.ok = o.ok && sub.ok
	o.put(key, sub.m)
}

func (o *obj) addr(a *enroll.Address) {
	am := o.child(6)
	am.str(allFields, "streetOne", a.StreetOne, true)
	am.str(allFields, "streetTwo", a.StreetTwo, true)
	am.str(allFields, "city", a.City, true)
	am.str(allFields, "state", a.State, true)
	am.str(allFields, "postalCode", a.PostalCode, true)
	am.str(allFields, "country", a.Country, true)
	o.set("address", am)
}

func (o *obj) devices(ds []enroll.Device) {
	if !o.wants(eDevices) {
		for _, d := range ds {
			if d.InstallDate != nil && !timeEncodes(*d.InstallDate) || !encodes(d.Attributes, 0) || !encodes(d.Configuration, 0) {
				o.ok = false
			}
		}
		return
	}
	if ds == nil {
		o.put("devices", nil)
		return
	}
	l := o.ar.newList(len(ds))
	for i, d := range ds {
		dm := o.child(9)
		dm.str(allFields, "id", d.ID, true)
		dm.str(allFields, "type", d.Type, true)
		dm.str(allFields, "manufacturerSlug", d.ManufacturerSlug, true)
		dm.str(allFields, "manufacturerName", d.ManufacturerName, true)
		dm.str(allFields, "productName", d.ProductName, true)
		dm.str(allFields, "serialNumber", d.SerialNumber, true)
		dm.timePtr(allFields, "installDate", d.InstallDate)
		if len(d.Attributes) > 0 {
			dm.value(allFields, "attributes", d.Attributes)
		}
		if len(d.Configuration) > 0 {
			dm.value(allFields, "configuration", d.Configuration)
		}
		o.ok = o.ok && dm.ok
		l[i] = dm.m
	}
	o.put("devices", l)
}

func (o *obj) parameters(ps []enroll.ParameterValue, inst *enroll.ProgramInstance) {
	if !o.wants(eParameters) {
		for _, p := range ps {
			if !encodes(p.Value, 0) {
				o.ok = false
			}
		}
		return
	}
	if ps == nil {
		o.put("parameters", nil)
		return
	}
	l := o.ar.newList(len(ps))
	for i, p := range ps {
		pm := o.child(3)
		pm.str(allFields, "externalId", p.ExternalID, false)
		if p.Value != nil {
			pm.value(allFields, "value", p.Value)
			if v, ok := pm.m["value"]; ok {
				pm.m["value"] = fastNumberParam(inst, p.ExternalID, v, p.Value)
			}
		}
		if p.Error != nil {
			em := pm.child(2)
			em.str(allFields, "id", p.Error.ID, false)
			em.str(allFields, "message", p.Error.Message, false)
			pm.set("error", em)
		}
		o.ok = o.ok && pm.ok
		l[i] = pm.m
	}
	o.put("parameters", l)
}

// params is paramsMap without the JSON detour: the values by externalId,
// the last value winning for a repeated externalId; only those of the
// keys in ks.
func (o *obj) params(ps []enroll.ParameterValue, inst *enroll.ProgramInstance, ks *keySet) {
	var m map[string]any
	var part *partial
	if ks.all {
		m = o.ar.newMap(len(ps))
	} else {
		part = o.ar.newPartial(len(ks.keys))
	}
	for _, p := range ps {
		if !utf8.ValidString(p.ExternalID) {
			o.ok = false // its JSON form could be a key asked for
			return
		}
		if !ks.wants(p.ExternalID) {
			continue // its value was checked with the parameters
		}
		v, _, ok := normalize(o.ar, p.Value, 0)
		if !ok {
			o.ok = false
			return
		}
		v = fastNumberParam(inst, p.ExternalID, v, p.Value)
		if part != nil {
			part.set(p.ExternalID, v) // the last value wins
		} else {
			m[p.ExternalID] = v
		}
	}
	if part != nil {
		o.put("params", part)
	} else {
		o.put("params", m)
	}
}

func (o *obj) evaluation(ev *enroll.Evaluation) {
	if ev == nil {
		return
	}
	if !o.wants(eEvaluation) {
		if !timeEncodes(ev.EvaluatedAt) {
			o.ok = false
		}
		return
	}
	em := o.child(5)
	em.str(allFields, "status", string(ev.Status), false)
	em.str(allFields, "reason", ev.Reason, true)
	em.m["rulesVersion"] = int64(ev.RulesVersion)
	if ev.Trace == nil {
		em.m["trace"] = nil
	} else {
		l := em.ar.newList(len(ev.Trace))
		for i, r := range ev.Trace {
			rm := em.child(3)
			rm.str(allFields, "name", r.Name, false)
			rm.str(allFields, "outcome", string(r.Outcome), false)
			rm.str(allFields, "message", r.Message, true)
			em.ok = em.ok && rm.ok
			l[i] = rm.m
		}
		em.m["trace"] = l
	}
	em.time(allFields, "evaluatedAt", ev.EvaluatedAt)
	o.set("evaluation", em)
}

// numberParam returns v, the value of parameter externalID as JSON gives
// it (normalize), as rules see it: a double when the instance declares
// the parameter a number, though JSON makes its whole values int64. A
// rule then reads 7 as it reads 7.5 (kw * 2.0 > 10.0 works for both;
// kw * 2 for neither, which the trial run finds when the rule is saved).
// Only whole numbers are looked up: others are left as they are.
func numberParam(inst *enroll.ProgramInstance, externalID string, v any) any {
	if i, ok := v.(int64); ok && declaresNumber(inst, externalID) {
		return float64(i)
	}
	return v
}

// fastNumberParam is numberParam for v, normalized from orig, which it
// returns when it is that double, rather than box another: a whole
// float64 but zero, whose sign JSON loses (-0 decodes as 0).
func fastNumberParam(inst *enroll.ProgramInstance, externalID string, v, orig any) any {
	i, ok := v.(int64)
	if !ok || !declaresNumber(inst, externalID) {
		return v
	}
	if o, isFloat := orig.(float64); isFloat && o != 0 && o == float64(i) {
		return orig
	}
	return float64(i)
}

// declaresNumber reports whether inst declares parameter externalID, the
// first of that id, as a number.
func declaresNumber(inst *enroll.ProgramInstance, externalID string) bool {
	if inst == nil {
		return false
	}
	for k := range inst.Parameters {
		if d := &inst.Parameters[k]; d.ExternalID == externalID {
			return d.Type == enroll.ParamNumber
		}
	}
	return false
}

// timeString is the JSON form of t without the quotes. It fails where
// time.Time.MarshalJSON does: AppendText shares its checks.
func timeString(t time.Time) (string, bool) {
	var buf [len(time.RFC3339Nano) + 8]byte
	b, err := t.AppendText(buf[:0])
	if err != nil {
		return "", false
	}
	return string(b), true
}

// timeEncodes reports, without formatting, whether t.MarshalJSON succeeds:
// its year has four digits and its zone offset is under 24 hours.
func timeEncodes(t time.Time) bool {
	_, off := t.Zone()
	if off <= -24*60*60 || off >= 24*60*60 {
		return false
	}
	// The year is the local one: that of the wall clock, t + off.
	local := t.Unix() + int64(off)
	return local >= year0 && local < year10000
}

// The Unix times of 0000-01-01 and 10000-01-01, UTC.
const (
	year0     = -62167219200
	year10000 = 253402300800
)

// encodes reports whether v is a free-form value the fast path knows to
// encode as JSON without error; anything else makes it decline.
func encodes(v any, depth int) bool {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case map[string]any:
		if depth >= maxDepth {
			return false
		}
		for _, e := range x {
			if !encodes(e, depth+1) {
				return false
			}
		}
		return true
	case []any:
		if depth >= maxDepth {
			return false
		}
		for _, e := range x {
			if !encodes(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// normalize returns the value a JSON round trip through toMap gives v:
// integers as int64, numbers written as integers in JSON as int64 and the
// others as float64. It reuses v, and any map or list of it that needs no
// change (changed reports whether it made a copy). ok is false for what
// the fast path does not handle; see encodes.
func normalize(ar *arena, v any, depth int) (out any, changed, ok bool) {
	switch x := v.(type) {
	case nil, bool:
		return v, false, true
	case string:
		return v, false, utf8.ValidString(x)
	case int64:
		return v, false, true
	case int:
		return int64(x), true, true
	case int8:
		return int64(x), true, true
	case int16:
		return int64(x), true, true
	case int32:
		return int64(x), true, true
	case uint:
		return uintValue(uint64(x)), true, true
	case uint8:
		return int64(x), true, true
	case uint16:
		return int64(x), true, true
	case uint32:
		return int64(x), true, true
	case uint64:
		return uintValue(x), true, true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false, false
		}
		if i, isInt := floatAsInt(x); isInt {
			return i, true, true
		}
		return v, false, true
	case map[string]any:
		if x == nil {
			return nil, true, true // null
		}
		if depth >= maxDepth {
			return nil, false, false
		}
		var cp map[string]any
		for k, e := range x {
			if !utf8.ValidString(k) {
				return nil, false, false
			}
			n, ch, ok := normalize(ar, e, depth+1)
			if !ok {
				return nil, false, false
			}
			if ch && cp == nil {
				cp = ar.newMap(len(x))
				for k2, e2 := range x {
					cp[k2] = e2 // replaced below as the loop reaches them
				}
			}
			if cp != nil {
				cp[k] = n
			}
		}
		if cp == nil {
			return v, false, true
		}
		// The entries before the first change were copied unnormalized,
		// but they needed no change; those after were all normalized.
		return cp, true, true
	case []any:
		if x == nil {
			return nil, true, true // null
		}
		if depth >= maxDepth {
			return nil, false, false
		}
		var cp []any
		for i, e := range x {
			n, ch, ok := normalize(ar, e, depth+1)
			if !ok {
				return nil, false, false
			}
			if ch && cp == nil {
				cp = ar.newList(len(x))
				copy(cp, x[:i])
			}
			if cp != nil {
				cp[i] = n
			}
		}
		if cp == nil {
			return v, false, true
		}
		return cp, true, true
	}
	return nil, false, false
}

// uintValue is what JSON makes of an unsigned integer: int64 when it fits,
// else the nearest float64 (strconv and Go's conversion both round to
// nearest even).
func uintValue(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

// floatAsInt reports whether encoding/json writes f as an integer that
// json.Number.Int64 accepts, and returns that integer. json writes floats
// in the shortest form that round-trips, in 'f' format below 1e21: exact
// for integers under 2^53, possibly not above (2^60 is written
// 1152921504606847000), so those are formatted as json does.
func floatAsInt(f float64) (int64, bool) {
	if f != math.Trunc(f) {
		return 0, false
	}
	abs := math.Abs(f)
	if abs < 1<<53 {
		return int64(f), true
	}
	if abs >= 1e21 {
		return 0, false // 'e' format
	}
	var buf [32]byte
	i, err := strconv.ParseInt(string(strconv.AppendFloat(buf[:0], f, 'f', -1, 64)), 10, 64)
	return i, err == nil
}
