package enroll_test

import (
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestParameters(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i1", Parameters: []enroll.Parameter{
		{ExternalID: "tenant", Name: "Tenant", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Required: true, Pattern: `^[a-z]+-\d+$`}},
		{ExternalID: "kw", Name: "Capacity kW", Type: enroll.ParamNumber},
		{ExternalID: "owner", Name: "Owner", Type: enroll.ParamBoolean},
		{ExternalID: "installed", Name: "Installed", Type: enroll.ParamDate},
		{ExternalID: "tier", Name: "Tier", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"gold", "silver"}}},
		{ExternalID: "site", Name: "Site", Type: enroll.ParamObject},
		{ExternalID: "meter", Name: "Meter", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Readonly: true}},
	}}
	for _, c := range []struct {
		name  string
		value any
		id    string
		err   string // the error id, "" for none
	}{
		{"string ok", "acme-12", "tenant", ""},
		{"pattern", "ACME", "tenant", enroll.ParamErrPattern},
		{"required empty", " ", "tenant", enroll.ParamErrRequired},
		{"string type", 12.0, "tenant", enroll.ParamErrType},
		{"number", 7.5, "kw", ""},
		{"number type", "7.5", "kw", enroll.ParamErrType},
		{"boolean", true, "owner", ""},
		{"boolean type", "yes", "owner", enroll.ParamErrType},
		{"date", "2026-05-01", "installed", ""},
		{"date-time", "2026-05-01T10:00:00Z", "installed", ""},
		{"date-time in lower case", "2026-05-01t10:00:00z", "installed", ""},
		{"date-time with a lost plus", "2026-05-01T10:00:00 02:00", "installed", enroll.ParamErrType},
		{"date bad", "May 1st", "installed", enroll.ParamErrType},
		{"choice", "gold", "tier", ""},
		{"choice bad", "bronze", "tier", enroll.ParamErrOption},
		{"object", map[string]any{"a": 1.0}, "site", ""},
		{"object type", []any{}, "site", enroll.ParamErrType},
		{"optional empty", nil, "kw", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := &enroll.Enrollment{ProgramInstanceID: "i1", Parameters: []enroll.ParameterValue{{ExternalID: c.id, Value: c.value}}}
			if c.id != "tenant" {
				e.Parameters = append(e.Parameters, enroll.ParameterValue{ExternalID: "tenant", Value: "a-1"})
			}
			err := e.Validate(inst)
			if refused := c.err != "" && c.err != enroll.ParamErrRequired; refused != (enroll.ErrorCode(err) == enroll.EINVALID) {
				t.Fatalf("Validate = %v", err)
			}
			if err != nil {
				f := err.(*enroll.Error).Fields
				if len(f) != 1 || f[0].Location != "parameters[0].value" || err.(*enroll.Error).Extra["parameters"] == nil {
					t.Fatalf("field errors = %+v", f)
				}
			}
			got := e.Parameters[0].Error
			if c.err == "" && got != nil || c.err != "" && (got == nil || got.ID != c.err || got.Message == "") {
				t.Fatalf("error = %+v, want %q", got, c.err)
			}
		})
	}

	// RFC 3339 allows "t" and "z"; the value is kept as usually written.
	e := &enroll.Enrollment{ProgramInstanceID: "i1", Parameters: []enroll.ParameterValue{
		{ExternalID: "tenant", Value: "a-1"}, {ExternalID: "installed", Value: "2026-05-01t10:00:00.5+02:00"}}}
	if err := e.Validate(inst); err != nil || e.Parameters[1].Value != "2026-05-01T10:00:00.5+02:00" {
		t.Fatalf("a date-time in lower case: %v, %v", err, e.Parameters[1].Value)
	}

	e = &enroll.Enrollment{ProgramInstanceID: "i1"}
	if err := e.Validate(inst); err != nil || len(e.Parameters) != 1 || e.Parameters[0].Error.ID != enroll.ParamErrRequired {
		t.Fatalf("a missing required parameter must be listed with its error: %v %+v", err, e.Parameters)
	}
	e.Eligibility.Status = enroll.StatusSubmitted
	if !e.NeedsAction() || e.Eligibility.Status != enroll.StatusNeedsAction || e.Eligibility.Reason == "" {
		t.Fatalf("NeedsAction: %+v", e.Eligibility)
	}

	e = &enroll.Enrollment{Parameters: []enroll.ParameterValue{{ExternalID: "undeclared", Value: "x"}}}
	err := e.Validate(inst)
	if enroll.ErrorCode(err) != enroll.EINVALID || err.(*enroll.Error).Fields[0].Location != "parameters[0].externalId" {
		t.Fatalf("undeclared parameter: %v", err)
	}
	// Like any refused value, it carries its error in the problem's list.
	if pe := e.Parameters[0].Error; pe == nil || pe.ID != enroll.ParamErrUnknown || pe.Message == "" {
		t.Fatalf("undeclared parameter's error = %+v", pe)
	}

	old, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c",
		Parameters: []enroll.ParameterValue{{ExternalID: "tenant", Value: "a-1"}, {ExternalID: "meter", Value: "m-1"}}},
		inst, enroll.Participant{CustomerID: "c"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	changed := old.Clone()
	changed.Parameters[1].Value = "m-2"
	if _, err := enroll.PrepareEnrollmentUpdate(old, changed, inst, time.Now()); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("changing a read-only parameter: %v", err)
	}
}

// TestParameterUpdates checks what an update may do with parameter values
// and groups the enrollment already holds: read-only values neither change
// nor go; values and groups the instance no longer accepts stay, marked,
// while the update changes other fields, but cannot be newly set.
func TestParameterUpdates(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i1", Groups: []enroll.Group{{ID: "g1", Name: "G1"}, {ID: "g2", Name: "G2"}}, Parameters: []enroll.Parameter{
		{ExternalID: "tier", Name: "Tier", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"gold", "silver"}}},
		{ExternalID: "meter", Name: "Meter", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Readonly: true}},
		{ExternalID: "legacy", Name: "Legacy", Type: enroll.ParamString},
	}}
	old, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "customerId", CustomerID: "c", GroupIDs: []string{"g1"},
		Parameters: []enroll.ParameterValue{{ExternalID: "tier", Value: "silver"}, {ExternalID: "meter", Value: "m-1"}, {ExternalID: "legacy", Value: "x"}}},
		inst, enroll.Participant{CustomerID: "c"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The instance since: silver withdrawn, g1 dropped, legacy undeclared.
	changed := *inst
	changed.Groups = []enroll.Group{{ID: "g2", Name: "G2"}}
	changed.Parameters = []enroll.Parameter{
		{ExternalID: "tier", Name: "Tier", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"gold"}}},
		inst.Parameters[1],
	}
	for _, c := range []struct {
		name     string
		inst     *enroll.ProgramInstance
		edit     func(e *enroll.Enrollment)
		location string // the refused field, "" when accepted
	}{
		{"read-only changed", inst, func(e *enroll.Enrollment) { e.Parameters[1].Value = "m-2" }, "parameters[1].value"},
		{"read-only removed", inst, func(e *enroll.Enrollment) { e.Parameters = slices.Delete(e.Parameters, 1, 2) }, "parameters"},
		{"read-only emptied", inst, func(e *enroll.Enrollment) { e.Parameters[1].Value = nil }, "parameters[1].value"},
		{"read-only kept", inst, func(e *enroll.Enrollment) { e.Parameters[0].Value = "gold" }, ""},
		{"notes, instance changed", &changed, func(e *enroll.Enrollment) { e.Notes = "called" }, ""},
		{"withdrawn option set anew", &changed, func(e *enroll.Enrollment) { e.Parameters[0].Value = "bronze" }, "parameters[0].value"},
		{"undeclared group added", &changed, func(e *enroll.Enrollment) { e.GroupIDs = append(e.GroupIDs, "g3") }, "groupIds[1]"},
		{"undeclared parameter added", &changed, func(e *enroll.Enrollment) {
			e.Parameters = append(e.Parameters, enroll.ParameterValue{ExternalID: "other", Value: "y"})
		}, "parameters[3].externalId"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := old.Clone()
			c.edit(e)
			_, err := enroll.PrepareEnrollmentUpdate(old, e, c.inst, time.Now())
			if c.location == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if enroll.ErrorCode(err) != enroll.EINVALID || err.(*enroll.Error).Fields[0].Location != c.location {
				t.Fatalf("err = %v, want %s refused", err, c.location)
			}
		})
	}
	e := old.Clone()
	e.Notes = "called"
	if _, err := enroll.PrepareEnrollmentUpdate(old, e, &changed, time.Now()); err != nil || e.Parameters[0].Error == nil ||
		e.Parameters[0].Error.ID != enroll.ParamErrOption || !slices.Equal(e.GroupIDs, []string{"g1"}) {
		t.Fatalf("a withdrawn option must stay, marked: %+v, %v, %v", e.Parameters, e.GroupIDs, err)
	}
	// A dropped parameter's value stays unmarked: it blocks no approval.
	if e.Parameters[2].ExternalID != "legacy" || e.Parameters[2].Error != nil {
		t.Fatalf("an undeclared parameter held must stay without an error: %+v", e.Parameters[2])
	}
}

// TestKeepHiddenParameters checks that a parameter list sent by a key that
// is not shown hidden values keeps them, unless it names them.
func TestKeepHiddenParameters(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i1", Parameters: []enroll.Parameter{
		{ExternalID: "account", Name: "Account", Type: enroll.ParamString},
		{ExternalID: "score", Name: "Score", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Hidden: true}},
	}}
	old := &enroll.Enrollment{Parameters: []enroll.ParameterValue{{ExternalID: "account", Value: "A-1"}, {ExternalID: "score", Value: 9.0}}}
	for _, c := range []struct {
		name string
		sent []enroll.ParameterValue
		want []enroll.ParameterValue
	}{
		{"without it", []enroll.ParameterValue{{ExternalID: "account", Value: "A-2"}},
			[]enroll.ParameterValue{{ExternalID: "account", Value: "A-2"}, {ExternalID: "score", Value: 9.0}}},
		{"empty list", []enroll.ParameterValue{}, []enroll.ParameterValue{{ExternalID: "score", Value: 9.0}}},
		{"naming it", []enroll.ParameterValue{{ExternalID: "score", Value: 3.0}}, []enroll.ParameterValue{{ExternalID: "score", Value: 3.0}}},
	} {
		e := &enroll.Enrollment{Parameters: c.sent}
		e.KeepHiddenParameters(old, inst)
		if !slices.EqualFunc(e.Parameters, c.want, func(a, b enroll.ParameterValue) bool { return a.ExternalID == b.ExternalID && a.Value == b.Value }) {
			t.Errorf("%s: %+v, want %+v", c.name, e.Parameters, c.want)
		}
	}
}

func TestParameterVisibility(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i1", Parameters: []enroll.Parameter{
		{ExternalID: "account", Name: "Account", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Unique: true}},
		{ExternalID: "score", Name: "Score", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Unique: true, Hidden: true}},
		{ExternalID: "note", Name: "Note", Type: enroll.ParamString},
	}}
	e := &enroll.Enrollment{Eligibility: enroll.Eligibility{Status: enroll.StatusCandidate}, Parameters: []enroll.ParameterValue{
		{ExternalID: "account", Value: "A-1"}, {ExternalID: "score", Value: 7.0}, {ExternalID: "note", Value: "n"}}}
	got := e.UniqueValues(inst)
	if len(got) != 2 || got[0] != (enroll.UniqueValue{ExternalID: "account", Value: "A-1"}) || got[1].Value != "7" {
		t.Fatalf("UniqueValues = %+v", got)
	}
	e.Eligibility.Status = enroll.StatusRejected
	if len(e.UniqueValues(inst)) != 0 {
		t.Fatal("a closed enrollment must free its unique values")
	}
	e.HideParameters(inst)
	if len(e.Parameters) != 2 || e.Parameters[1].ExternalID != "note" {
		t.Fatalf("HideParameters = %+v", e.Parameters)
	}
}

// TestEventHideParameters checks that hidden parameter values leave an
// enrollment event's object and previous attributes, and that an event of
// a deleted instance keeps no parameter value.
func TestEventHideParameters(t *testing.T) {
	t.Parallel()
	inst := &enroll.ProgramInstance{ID: "i1", Parameters: []enroll.Parameter{
		{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber},
		{ExternalID: "secret", Name: "Secret", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Hidden: true}},
	}}
	e := &enroll.Enrollment{ID: "e1", ProgramInstanceID: inst.ID, Tags: []string{"t"},
		Parameters: []enroll.ParameterValue{{ExternalID: "kw", Value: 7.0}, {ExternalID: "secret", Value: "s3"}}}
	for _, c := range []struct {
		name string
		inst *enroll.ProgramInstance
		kept []string // the parameters left, in the object and in the previous attributes
	}{
		{"hidden ones", inst, []string{"kw"}},
		{"instance deleted", nil, nil},
	} {
		prev := map[string]any{"tags": []any{}, "parameters": []any{
			map[string]any{"externalId": "secret", "value": "s2"}, map[string]any{"externalId": "kw", "value": 6.0}}}
		ev := enroll.NewEvent(enroll.Actor{}, enroll.EventEnrollmentUpdated, e.ID, e, prev, time.Now())
		got, err := ev.Enrollment()
		if err != nil || got == nil || got.ID != e.ID {
			t.Fatalf("%s: Enrollment() = %v, %v", c.name, got, err)
		}
		if err := ev.HideParameters(got, c.inst); err != nil {
			t.Fatal(err)
		}
		shown, _ := ev.Enrollment()
		var ids, prevIDs []string
		for _, p := range shown.Parameters {
			ids = append(ids, p.ExternalID)
		}
		for _, p := range ev.Data.PreviousAttributes["parameters"].([]any) {
			prevIDs = append(prevIDs, p.(map[string]any)["externalId"].(string))
		}
		if !slices.Equal(ids, c.kept) || !slices.Equal(prevIDs, c.kept) || ev.Data.PreviousAttributes["tags"] == nil || len(shown.Tags) != 1 {
			t.Errorf("%s: object parameters %v, previous %v (%v), want %v", c.name, ids, prevIDs, ev.Data.PreviousAttributes, c.kept)
		}
	}
	if got, err := enroll.NewEvent(enroll.Actor{}, enroll.EventProgramUpdated, "p1", &enroll.Program{ID: "p1"}, nil, time.Now()).Enrollment(); got != nil || err != nil {
		t.Errorf("a program event's Enrollment() = %v, %v", got, err)
	}
}
