package enroll_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestEnrollmentCreateValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		in     enroll.EnrollmentCreate
		fields []string
	}{
		{"customerInfo ok", enroll.EnrollmentCreate{IdentificationType: "customerInfo", FirstName: "A", LastName: "B", Email: "a@example.com"}, nil},
		{"customerInfo missing", enroll.EnrollmentCreate{IdentificationType: "customerInfo"}, []string{"firstName", "lastName", "email"}},
		{"customerInfo bad email", enroll.EnrollmentCreate{IdentificationType: "customerInfo", FirstName: "A", LastName: "B", Email: "a@"}, []string{"email"}},
		{"customerId ok without names", enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c1"}, nil},
		{"customerId missing", enroll.EnrollmentCreate{IdentificationType: "customerId"}, []string{"customerId"}},
		{"leadId missing", enroll.EnrollmentCreate{IdentificationType: "leadId"}, []string{"leadId"}},
		{"enrollmentId missing", enroll.EnrollmentCreate{IdentificationType: "enrollmentId"}, []string{"enrollmentId"}},
		{"no type", enroll.EnrollmentCreate{}, []string{"identificationType"}},
		{"bad type", enroll.EnrollmentCreate{IdentificationType: "ssn"}, []string{"identificationType"}},
		{"bad initial status", enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c", EligibilityStatus: "approved"}, []string{"eligibilityStatus"}},
		{"submitted ok", enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c", EligibilityStatus: "submitted"}, nil},
		{"bad id", enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c\x00"}, []string{"customerId"}},
		{"NUL in a name", enroll.EnrollmentCreate{IdentificationType: "customerInfo", FirstName: "A\x00", LastName: "B", Email: "a@example.com"}, []string{"firstName"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.in.Validate()
			if c.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e, ok := err.(*enroll.Error)
			if !ok || e.Code != enroll.EINVALID || len(e.Fields) != len(c.fields) {
				t.Fatalf("Validate = %v, want fields %v", err, c.fields)
			}
			for i, f := range c.fields {
				if e.Fields[i].Location != f {
					t.Fatalf("field %d = %s, want %s", i, e.Fields[i].Location, f)
				}
			}
		})
	}
}

func TestPrepareEnrollmentUpdate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: "i1"}
	base := func(s enroll.Status) *enroll.Enrollment {
		e, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c"}, inst,
			enroll.Participant{CustomerID: "c", FirstName: "A"}, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		e.Eligibility.Status = s
		return e
	}
	old := base(enroll.StatusSubmitted)
	e := old.Clone()
	e.SetStatus(enroll.StatusApproved, "ok")
	ch, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now)
	if err != nil || !ch.Changed || !ch.StatusChanged() || e.Version != old.Version+1 || !e.UpdatedAt.Equal(now) ||
		!e.EnrolledAt.Equal(now) || !e.EnrollmentStartDate.Equal(now) {
		t.Fatalf("approve: %v %+v %+v", err, ch, e)
	}
	if _, ok := ch.Previous["eligibility"]; !ok {
		t.Fatalf("previousAttributes = %v", ch.Previous)
	}

	scheduled := now.Add(48 * time.Hour)
	old.EnrollmentStartDate = &scheduled
	e = old.Clone()
	e.SetStatus(enroll.StatusApproved, "")
	if _, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now); err != nil || !e.EnrollmentStartDate.Equal(scheduled) {
		t.Fatalf("a scheduled start must be kept: %v %v", err, e.EnrollmentStartDate)
	}

	old = base(enroll.StatusApproved)
	e = old.Clone()
	e.SetStatus(enroll.StatusApproved, "again")
	if ch, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now); err != nil || ch.Changed || e.Version != old.Version {
		t.Fatalf("same status must be a no-op: %v %+v", err, ch)
	}
	e.SetStatus(enroll.StatusUnenrolled, "moved")
	if _, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now); err != nil || e.UnenrolledAt == nil {
		t.Fatalf("unenroll: %v", err)
	}
	e = old.Clone()
	e.SetStatus(enroll.StatusSubmitted, "")
	if _, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now); enroll.ErrorCode(err) != enroll.ECONFLICT {
		t.Fatalf("approved → submitted: %v", err)
	}
	e = old.Clone()
	e.EnrolledAt = &scheduled // read-only: ignored
	e.Notes = "x"
	if _, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now); err != nil || e.EnrolledAt != old.EnrolledAt {
		t.Fatalf("enrolledAt must be read-only: %v", err)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	type obj struct {
		A string `json:"a,omitempty"`
		B int    `json:"b"`
	}
	d := enroll.Diff(obj{A: "x", B: 1}, obj{B: 2})
	if len(d) != 2 || d["a"] != "x" || d["b"] != float64(1) {
		t.Fatalf("Diff = %v", d)
	}
	if d := enroll.Diff(obj{B: 1}, obj{A: "y", B: 1}); len(d) != 1 || d["a"] != nil {
		t.Fatalf("Diff of an added field = %v", d)
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 10000 {
		id := enroll.NewID()
		if len(id) != 24 || id[0] < 'a' || id[0] > 'z' || !enroll.ValidID(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c := enroll.Cursor{Sort: "-createdAt", Time: time.Now().UTC().Truncate(time.Microsecond), ID: "abc", Page: 3, Filter: enroll.HashFilter("f")}
	got, err := enroll.DecodeCursor(c.Encode())
	if err != nil || *got != c {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	// The longest token a list makes: a lastName sort's last key of 512
	// bytes that JSON writes six bytes each.
	long := enroll.Cursor{Sort: "lastName", Text: strings.Repeat("\x02", 512), ID: enroll.NewID(), Page: enroll.MaxPage, Filter: 1<<63 - 1}
	if tok := long.Encode(); len(tok) > enroll.MaxPageTokenLength {
		t.Errorf("the longest key's token is %d bytes, past %d", len(tok), enroll.MaxPageTokenLength)
	} else if got, err := enroll.DecodeCursor(tok); err != nil || *got != long {
		t.Errorf("the longest key's token: %v %+v", err, got)
	}
	if tok := (enroll.Cursor{Sort: "lastName", Text: strings.Repeat("<", 512), ID: "x"}).Encode(); len(tok) > 1024 {
		t.Errorf("a key of < is written %d bytes: HTML-escaped", len(tok))
	}
	// NUL, which PostgreSQL refuses in a text parameter (a 500), is in no key or id.
	nulID := enroll.Cursor{Sort: "lastName", Text: "a", ID: "x\x00", Filter: 1}.Encode()
	nulKey := enroll.Cursor{Sort: "lastName", Text: "\x00", ID: "x", Filter: 1}.Encode()
	for _, bad := range []string{"", "!!", "e30", string(make([]byte, 2000)), strings.Repeat("A", enroll.MaxPageTokenLength+1), nulID, nulKey} {
		if _, err := enroll.DecodeCursor(bad); err == nil {
			t.Errorf("DecodeCursor(%q) accepted", bad)
		}
	}
	p := enroll.ListParams{PageToken: c.Encode(), Sort: "-createdAt"}
	if _, err := p.Normalize([]string{"-createdAt"}, enroll.HashFilter("other")); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatal("a token from another filter must be refused")
	}
}

func TestAPIKey(t *testing.T) {
	t.Parallel()
	k, secret := enroll.NewAPIKey("w", "k", nil, nil, time.Now())
	if k.Kind != enroll.KeySecret || len(k.Scopes) != len(enroll.AllScopes) || !enroll.LooksLikeSecret(secret) ||
		k.Hash != enroll.HashSecret(secret) || secret[:len(k.Prefix)] != k.Prefix {
		t.Fatalf("secret key %+v", k)
	}
	s, _ := enroll.NewAPIKey("w", "k", []enroll.Scope{enroll.ScopeEnrollmentsRead}, []string{"i1"}, time.Now())
	if s.Kind != enroll.KeyScoped || s.Has(enroll.ScopeEnrollmentsWrite) || !s.SeesInstance("i1") || s.SeesInstance("i2") {
		t.Fatalf("scoped key %+v", s)
	}
	for _, bad := range []string{"", "sk_", "Bearer x", "sk_short"} {
		if enroll.LooksLikeSecret(bad) {
			t.Errorf("LooksLikeSecret(%q)", bad)
		}
	}
}

// TestNUL checks that no NUL character reaches a store: PostgreSQL refuses
// them, and a refusal there would be a 500.
func TestNUL(t *testing.T) {
	t.Parallel()
	for name, e := range map[string]*enroll.Enrollment{
		"metadata":  {Metadata: map[string]any{"k": []any{map[string]any{"x": "a\x00"}}}},
		"key":       {Metadata: map[string]any{"\x00": 1.0}},
		"device":    {Devices: []enroll.Device{{Attributes: map[string]any{"x": "\x00"}}}},
		"tag":       {Tags: []string{"a\x00"}},
		"parameter": {Parameters: []enroll.ParameterValue{{ExternalID: "p", Value: map[string]any{"v": "\x00"}}}},
	} {
		if err := e.Validate(nil); enroll.ErrorCode(err) != enroll.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

// TestJSONDepth checks that free-form JSON nests at most MaxJSONDepth
// levels: deeper documents break the JSON readers of many clients.
func TestJSONDepth(t *testing.T) {
	t.Parallel()
	nest := func(levels int) map[string]any {
		var v any = "leaf"
		for i := 1; i < levels; i++ {
			if i%2 == 0 {
				v = []any{v}
			} else {
				v = map[string]any{"k": v}
			}
		}
		return map[string]any{"k": v}
	}
	for _, c := range []struct {
		name string
		e    *enroll.Enrollment
		ok   bool
	}{
		{"metadata at the limit", &enroll.Enrollment{Metadata: nest(enroll.MaxJSONDepth)}, true},
		{"metadata too deep", &enroll.Enrollment{Metadata: nest(enroll.MaxJSONDepth + 1)}, false},
		{"device too deep", &enroll.Enrollment{Devices: []enroll.Device{{Attributes: nest(enroll.MaxJSONDepth + 1)}}}, false},
		{"parameter too deep", &enroll.Enrollment{Parameters: []enroll.ParameterValue{{ExternalID: "p", Value: nest(enroll.MaxJSONDepth + 1)}}}, false},
	} {
		if err := c.e.Validate(nil); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestEnrollmentListsAreSets checks that an enrollment's tags,
// manufacturer slugs and group ids name each item once: a repeat is
// refused at the repeat, with its value, when a create sets the list or
// an update sets it anew; items compare exactly, as the list filters
// match them. An enrollment stored with a repeat before this check stays
// editable, and a re-enrollment of it keeps each item once.
func TestEnrollmentListsAreSets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: "i1", Groups: []enroll.Group{{ID: "g1", Name: "G1"}, {ID: "g2", Name: "G2"}}}
	type refusal struct{ location, value string }
	check := func(t *testing.T, err error, want []refusal) {
		t.Helper()
		if want == nil {
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			return
		}
		e, ok := err.(*enroll.Error)
		if !ok || e.Code != enroll.EINVALID || len(e.Fields) != len(want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
		for i, w := range want {
			if f := e.Fields[i]; f.Location != w.location || f.Message != "is listed twice" || f.Value != w.value {
				t.Errorf("field %d = %+v, want %s listed twice (%q)", i, f, w.location, w.value)
			}
		}
	}
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			in   enroll.EnrollmentCreate
			want []refusal
		}{
			{"distinct items", enroll.EnrollmentCreate{Tags: []string{"a", "b"}, ManufacturerSlugs: []string{"lg"}, GroupIDs: []string{"g1", "g2"}}, nil},
			{"a tag twice", enroll.EnrollmentCreate{Tags: []string{"t", "t"}}, []refusal{{"tags[1]", "t"}}},
			{"a tag three times", enroll.EnrollmentCreate{Tags: []string{"t", "u", "t", "t"}}, []refusal{{"tags[2]", "t"}, {"tags[3]", "t"}}},
			{"a slug twice", enroll.EnrollmentCreate{ManufacturerSlugs: []string{"tesla", "lg", "tesla"}}, []refusal{{"manufacturerSlugs[2]", "tesla"}}},
			{"a group twice", enroll.EnrollmentCreate{GroupIDs: []string{"g1", "g1"}}, []refusal{{"groupIds[1]", "g1"}}},
			{"every list", enroll.EnrollmentCreate{Tags: []string{"t", "t"}, ManufacturerSlugs: []string{"m", "m"}, GroupIDs: []string{"g2", "g2"}},
				[]refusal{{"manufacturerSlugs[1]", "m"}, {"tags[1]", "t"}, {"groupIds[1]", "g2"}}},
			// tag=X does not find x: they are two tags.
			{"items differing in case", enroll.EnrollmentCreate{Tags: []string{"x", "X"}, ManufacturerSlugs: []string{"lg", "LG"}}, nil},
			{"items differing in spaces", enroll.EnrollmentCreate{Tags: []string{"x", "x "}}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.in.IdentificationType, c.in.CustomerID = enroll.IdentifyByCustomerID, "c"
				_, err := enroll.NewEnrollment("w", &c.in, inst, enroll.Participant{CustomerID: "c"}, now)
				check(t, err, c.want)
			})
		}
	})

	// Stored before the check: every list with a repeat.
	legacy, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: "c"},
		inst, enroll.Participant{CustomerID: "c"}, now)
	if err != nil {
		t.Fatal(err)
	}
	legacy.Tags, legacy.ManufacturerSlugs, legacy.GroupIDs = []string{"t", "t"}, []string{"m", "n", "m"}, []string{"g1", "g1"}
	legacy.Eligibility.Status = enroll.StatusSubmitted
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			edit func(e *enroll.Enrollment)
			want []refusal
		}{
			{"notes", func(e *enroll.Enrollment) { e.Notes = "called" }, nil},
			{"status", func(e *enroll.Enrollment) { e.SetStatus(enroll.StatusApproved, "ok") }, nil},
			{"lists sent back as stored", func(e *enroll.Enrollment) {
				e.Tags, e.ManufacturerSlugs, e.GroupIDs = []string{"t", "t"}, []string{"m", "n", "m"}, []string{"g1", "g1"}
			}, nil},
			{"tags set anew, each once", func(e *enroll.Enrollment) { e.Tags = []string{"t"} }, nil},
			{"tags set anew with the repeat", func(e *enroll.Enrollment) { e.Tags = []string{"t", "t", "u"} }, []refusal{{"tags[1]", "t"}}},
			{"tags set anew with another repeat", func(e *enroll.Enrollment) { e.Tags = []string{"u", "u"} }, []refusal{{"tags[1]", "u"}}},
			{"a group added", func(e *enroll.Enrollment) { e.GroupIDs = append(e.GroupIDs, "g2") }, []refusal{{"groupIds[1]", "g1"}}},
			{"slugs reordered", func(e *enroll.Enrollment) { e.ManufacturerSlugs = []string{"m", "m", "n"} }, []refusal{{"manufacturerSlugs[1]", "m"}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				e := legacy.Clone()
				c.edit(e)
				_, err := enroll.PrepareEnrollmentUpdate(legacy, e, inst, now)
				check(t, err, c.want)
			})
		}
	})
	t.Run("re-enrollment", func(t *testing.T) {
		t.Parallel()
		in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: legacy.ID}
		e, err := enroll.NewEnrollment("w", in, inst, enroll.Participant{CustomerID: "c", From: legacy}, now)
		if err != nil {
			t.Fatalf("re-enrolling an enrollment stored with repeats: %v", err)
		}
		if !slices.Equal(e.Tags, []string{"t"}) || !slices.Equal(e.ManufacturerSlugs, []string{"m", "n"}) {
			t.Errorf("copied tags %q, slugs %q: want each once", e.Tags, e.ManufacturerSlugs)
		}
		// What the request sets is checked, as at any create.
		in.Tags = []string{"v", "v"}
		_, err = enroll.NewEnrollment("w", in, inst, enroll.Participant{CustomerID: "c", From: legacy}, now)
		check(t, err, []refusal{{"tags[1]", "v"}})
	})
}

// TestEnrollmentDevices checks that each of an enrollment's devices holds
// a value and that no two have the same id: an empty device is refused at
// the device, a repeated id at the repeat, when a create sets the devices
// or an update sets them anew. Devices without an id are not compared. An
// enrollment stored with such devices before this check stays editable,
// and a re-enrollment of it copies them as they are.
func TestEnrollmentDevices(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: "i1"}
	type refusal struct{ location, message, value string }
	empty := "is empty: a device needs a value, such as its id or serialNumber"
	check := func(t *testing.T, err error, want []refusal) {
		t.Helper()
		if want == nil {
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			return
		}
		e, ok := err.(*enroll.Error)
		if !ok || e.Code != enroll.EINVALID || len(e.Fields) != len(want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
		for i, w := range want {
			f := e.Fields[i]
			if value, _ := f.Value.(string); f.Location != w.location || f.Message != w.message || value != w.value || (w.value == "") != (f.Value == nil) {
				t.Errorf("field %d = %+v, want %+v", i, f, w)
			}
		}
	}
	day := time.Date(2022, 2, 22, 0, 0, 0, 0, time.UTC)
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name    string
			devices []enroll.Device
			want    []refusal
		}{
			{"distinct ids", []enroll.Device{{ID: "a"}, {ID: "b", SerialNumber: "s"}}, nil},
			{"devices without an id", []enroll.Device{{SerialNumber: "s1"}, {SerialNumber: "s1"}, {Type: "battery"}}, nil},
			{"a device of one member", []enroll.Device{{InstallDate: &day}, {Attributes: map[string]any{"kw": 5.0}}, {Configuration: map[string]any{"r": 1.0}}}, nil},
			{"ids differing in case", []enroll.Device{{ID: "a"}, {ID: "A"}}, nil},
			{"an id twice", []enroll.Device{{ID: "a"}, {ID: "b"}, {ID: "a", SerialNumber: "other"}}, []refusal{{"devices[2].id", "is listed twice", "a"}}},
			{"an id three times", []enroll.Device{{ID: "a"}, {ID: "a"}, {ID: "a"}},
				[]refusal{{"devices[1].id", "is listed twice", "a"}, {"devices[2].id", "is listed twice", "a"}}},
			{"an empty device", []enroll.Device{{ID: "a"}, {}}, []refusal{{"devices[1]", empty, ""}}},
			{"blank members and empty objects", []enroll.Device{{ID: " ", SerialNumber: "\t", Attributes: map[string]any{}}}, []refusal{{"devices[0]", empty, ""}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: "c", Devices: c.devices}
				_, err := enroll.NewEnrollment("w", in, inst, enroll.Participant{CustomerID: "c"}, now)
				check(t, err, c.want)
			})
		}
	})

	// Stored before the check: an empty device and an id twice.
	legacy, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerID, CustomerID: "c"},
		inst, enroll.Participant{CustomerID: "c"}, now)
	if err != nil {
		t.Fatal(err)
	}
	legacy.Devices = []enroll.Device{{}, {ID: "a", InstallDate: &day}, {ID: "a", SerialNumber: "s"}}
	legacy.Eligibility.Status = enroll.StatusSubmitted
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			name string
			edit func(e *enroll.Enrollment)
			want []refusal
		}{
			{"notes", func(e *enroll.Enrollment) { e.Notes = "called" }, nil},
			{"status", func(e *enroll.Enrollment) { e.SetStatus(enroll.StatusApproved, "ok") }, nil},
			{"devices sent back as stored", func(e *enroll.Enrollment) {
				e.Devices = []enroll.Device{{}, {ID: "a", InstallDate: &day}, {ID: "a", SerialNumber: "s"}}
			}, nil},
			{"devices set anew, each once", func(e *enroll.Enrollment) { e.Devices = []enroll.Device{{ID: "a", SerialNumber: "s"}} }, nil},
			{"a device added", func(e *enroll.Enrollment) { e.Devices = append(e.Devices, enroll.Device{ID: "b"}) },
				[]refusal{{"devices[0]", empty, ""}, {"devices[2].id", "is listed twice", "a"}}},
			{"a device changed", func(e *enroll.Enrollment) { e.Devices[2].SerialNumber = "t" },
				[]refusal{{"devices[0]", empty, ""}, {"devices[2].id", "is listed twice", "a"}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				e := legacy.Clone()
				c.edit(e)
				_, err := enroll.PrepareEnrollmentUpdate(legacy, e, inst, now)
				check(t, err, c.want)
			})
		}
	})
	t.Run("re-enrollment", func(t *testing.T) {
		t.Parallel()
		in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: legacy.ID}
		e, err := enroll.NewEnrollment("w", in, inst, enroll.Participant{CustomerID: "c", From: legacy}, now)
		if err != nil {
			t.Fatalf("re-enrolling an enrollment stored with such devices: %v", err)
		}
		if len(e.Devices) != 3 || e.Devices[2].SerialNumber != "s" {
			t.Errorf("copied devices %+v: want them as they are", e.Devices)
		}
		// What the request sets is checked, as at any create.
		in.Devices = []enroll.Device{{ID: "x"}, {ID: "x"}}
		_, err = enroll.NewEnrollment("w", in, inst, enroll.Participant{CustomerID: "c", From: legacy}, now)
		check(t, err, []refusal{{"devices[1].id", "is listed twice", "x"}})
	})
}
