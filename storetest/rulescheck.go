package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// EngineFactory returns a fresh, empty store whose RuleEngine is wrap of a
// working one; it registers its own cleanup with t.
type EngineFactory func(t *testing.T, wrap func(enroll.RuleEngine) enroll.RuleEngine) enroll.Store

// ExerciseRulesChecks checks that stores check eligibility rules outside
// their write transactions (enroll.WriteCheckedRules): a write made while
// the check runs goes through rather than wait for it, and rules are
// checked again when such a write changed what they are checked with.
func ExerciseRulesChecks(t *testing.T, newStore EngineFactory) {
	t.Run("CheckOutsideWrite", func(t *testing.T) { t.Parallel(); testRulesCheckOutsideWrite(t, newStore) })
	t.Run("CheckAgainAfterChange", func(t *testing.T) { t.Parallel(); testRulesCheckAgainAfterChange(t, newStore) })
}

// hookEngine calls hook (when set) at each Check, before checking.
type hookEngine struct {
	enroll.RuleEngine
	mu     sync.Mutex
	hook   func(rules []enroll.Rule, params []enroll.Parameter)
	checks [][]enroll.Parameter // the parameters of each Check
}

func (h *hookEngine) Check(rules []enroll.Rule, params []enroll.Parameter) error {
	h.mu.Lock()
	hook := h.hook
	h.checks = append(h.checks, params)
	h.mu.Unlock()
	if hook != nil {
		hook(rules, params)
	}
	return h.RuleEngine.Check(rules, params)
}

func (h *hookEngine) set(hook func([]enroll.Rule, []enroll.Parameter)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook, h.checks = hook, nil
}

func (h *hookEngine) checked() [][]enroll.Parameter {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.checks
}

func newHookFixture(t *testing.T, newStore EngineFactory) (*fixture, *hookEngine) {
	h := &hookEngine{}
	s := newStore(t, func(e enroll.RuleEngine) enroll.RuleEngine { h.RuleEngine = e; return h })
	return newFixtureOn(t, s), h
}

// rename renames inst as another writer would, within a deadline: a
// write that waits for a transaction the check runs in never ends.
func (f *fixture) rename(inst *enroll.ProgramInstance, name string, mutate ...func(*enroll.ProgramInstance)) error {
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	_, err := f.s.UpdateInstance(ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
		in.Name = name
		for _, m := range mutate {
			m(in)
		}
		return nil
	})
	return err
}

// testRulesCheckOutsideWrite: while an update's or a create's rules are
// checked, the same instance (another, for a create) can be written: the
// check holds no transaction, on SQLite the one writer.
func testRulesCheckOutsideWrite(t *testing.T, newStore EngineFactory) {
	f, h := newHookFixture(t, newStore)
	inst := f.instance()
	var during error
	h.set(func([]enroll.Rule, []enroll.Parameter) { during = f.rename(inst, "Renamed during the check") })
	up, err := f.s.UpdateInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `enrollment.address.state == "NY"`}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if during != nil {
		t.Fatalf("a write while an update's rules were checked: %v", during)
	}
	if up.Name != "Renamed during the check" || up.RulesVersion != 2 || len(up.EligibilityRules) != 1 {
		t.Errorf("update = name %q, rules version %d, %d rules; want the write made during the check kept, version 2, 1 rule", up.Name, up.RulesVersion, len(up.EligibilityRules))
	}
	if n := len(h.checked()); n != 1 {
		t.Errorf("%d checks, want 1", n)
	}

	h.set(func([]enroll.Rule, []enroll.Parameter) { during = f.rename(inst, "Renamed during a create's check") })
	f.instance(func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `enrollment.address.state == "NY"`}}
	})
	if during != nil {
		t.Fatalf("a write while a create's rules were checked: %v", during)
	}
}

// testRulesCheckAgainAfterChange: rules are written only as checked with
// the parameters written with them. A write that changes the instance's
// parameters while its new rules are checked makes the update check them
// again, with those: here declaring kw a number parameter, on which int
// arithmetic fails for every enrollment.
func testRulesCheckAgainAfterChange(t *testing.T, newStore EngineFactory) {
	f, h := newHookFixture(t, newStore)
	inst := f.instance()
	kw := []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber}}
	var during error
	h.set(func([]enroll.Rule, []enroll.Parameter) {
		if len(h.checked()) == 1 {
			during = f.rename(inst, "Declares kw", func(in *enroll.ProgramInstance) { in.Parameters = kw })
		}
	})
	_, err := f.s.UpdateInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: "kw", Expression: "enrollment.params.kw * 2 > 10"}}
		return nil
	})
	if during != nil {
		t.Fatalf("a write while the rules were checked: %v", during)
	}
	wantCode(t, err, enroll.EINVALID)
	checks := h.checked()
	if len(checks) != 2 || len(checks[0]) != 0 || !enroll.ParametersEqual(checks[1], kw) {
		t.Errorf("checked with parameters %+v, want none and then kw", checks)
	}
	got := must(f.s.FindInstance(f.ctx, f.a.WorkspaceID, inst.ID))
	if got.Name != "Declares kw" || got.RulesVersion != 1 || len(got.EligibilityRules) != 0 {
		t.Errorf("stored: name %q, rules version %d, %d rules; want the concurrent write only", got.Name, got.RulesVersion, len(got.EligibilityRules))
	}
}
