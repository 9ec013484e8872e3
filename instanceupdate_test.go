package enroll_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestProgramInstanceUpdate covers what both stores' UpdateInstance do to
// the instance stored before they write it.
func TestProgramInstanceUpdate(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rules := []enroll.Rule{{Name: "ny", Expression: `enrollment.address.state == "NY"`}}
	// As stored: validated, so normalized.
	stored := func() *enroll.ProgramInstance {
		in := &enroll.ProgramInstance{
			ID: "pi_1", WorkspaceID: "ws_1", ProgramID: "prg_1", Slug: "2026", Name: "2026",
			Status: enroll.InstanceActive, EligibilityRules: rules, RulesVersion: 3,
			Parameters: []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}},
			Metadata:   map[string]any{"k": "v"}, CreatedAt: created, UpdatedAt: created,
		}
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		return in
	}
	newRules := []enroll.Rule{{Name: "ny", Expression: "true"}}
	checkedNew, err := enroll.CheckRules(&countingEngine{}, newRules, stored().Parameters)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		fn      func(*enroll.ProgramInstance) error
		checked enroll.CheckedRules
		code    string // the domain error's code, "" for none
		err     error  // another error expected
		prev    []string
		check   func(t *testing.T, in *enroll.ProgramInstance)
	}{
		{name: "nothing changed", fn: func(*enroll.ProgramInstance) error { return nil }},
		{name: "a name", fn: func(in *enroll.ProgramInstance) error { in.Name = "Season 2026"; return nil }, prev: []string{"name"},
			check: func(t *testing.T, in *enroll.ProgramInstance) {
				if in.Name != "Season 2026" || in.UpdatedAt != created {
					t.Errorf("name %q, updatedAt %v: want the new name, the time left to the store", in.Name, in.UpdatedAt)
				}
			}},
		{name: "fixed members kept", fn: func(in *enroll.ProgramInstance) error {
			in.ID, in.WorkspaceID, in.ProgramID, in.RulesVersion = "pi_2", "ws_2", "prg_2", 9
			in.CreatedAt, in.UpdatedAt = time.Time{}, time.Time{}
			return nil
		}, check: func(t *testing.T, in *enroll.ProgramInstance) {
			s := stored()
			if in.ID != s.ID || in.WorkspaceID != s.WorkspaceID || in.ProgramID != s.ProgramID || in.RulesVersion != s.RulesVersion ||
				in.CreatedAt != s.CreatedAt || in.UpdatedAt != s.UpdatedAt {
				t.Errorf("got %+v, want ids, program, rules version and times as stored", in)
			}
		}},
		{name: "invalid", fn: func(in *enroll.ProgramInstance) error { in.Slug = ""; return nil }, code: enroll.EINVALID},
		{name: "fn's error", fn: func(*enroll.ProgramInstance) error { return boom }, err: boom},
		{name: "rules not checked", fn: func(in *enroll.ProgramInstance) error { in.EligibilityRules = newRules; return nil },
			err: &enroll.UncheckedRules{}},
		{name: "rules checked", checked: checkedNew, prev: []string{"eligibilityRules", "rulesVersion"},
			fn: func(in *enroll.ProgramInstance) error { in.EligibilityRules = newRules; return nil },
			check: func(t *testing.T, in *enroll.ProgramInstance) {
				if in.RulesVersion != 4 {
					t.Errorf("rulesVersion %d, want 4", in.RulesVersion)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			old := stored()
			in, prev, err := old.Update(func(in *enroll.ProgramInstance) error {
				// The copy is fn's own: changing it leaves the stored one.
				in.Metadata["k"] = "changed"
				in.Parameters[0].Name = "changed"
				in.Metadata["k"], in.Parameters[0].Name = "v", "kW"
				if in == old || &in.Parameters[0] == &old.Parameters[0] {
					t.Error("fn got the stored instance, not a copy")
				}
				return tc.fn(in)
			}, tc.checked)
			if !reflect.DeepEqual(old, stored()) {
				t.Errorf("the stored instance changed: %+v", old)
			}
			var e *enroll.Error
			var u *enroll.UncheckedRules
			switch {
			case tc.code != "":
				if !errors.As(err, &e) || e.Code != tc.code {
					t.Fatalf("err %v, want %s", err, tc.code)
				}
				return
			case tc.err != nil:
				if _, unchecked := tc.err.(*enroll.UncheckedRules); unchecked && !errors.As(err, &u) || !unchecked && !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			var got []string
			for k := range prev {
				got = append(got, k)
			}
			if len(got) != len(tc.prev) {
				t.Errorf("previousAttributes %v, want the members %v", prev, tc.prev)
			}
			for _, k := range tc.prev {
				if _, ok := prev[k]; !ok {
					t.Errorf("previousAttributes %v lack %s", prev, k)
				}
			}
			if tc.check != nil {
				tc.check(t, in)
			}
		})
	}
}
