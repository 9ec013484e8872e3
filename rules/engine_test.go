package rules_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

func TestEvaluateStatusAndTrace(t *testing.T) {
	t.Parallel()
	type line struct {
		outcome enroll.RuleOutcome
		message string // a substring of the trace message
	}
	tests := []struct {
		name       string
		rules      []enroll.Rule
		wantStatus enroll.Status
		wantReason string
		wantTrace  []line
	}{
		{
			name:       "no rules",
			wantStatus: enroll.StatusEligible, wantReason: "No eligibility rules.",
		},
		{
			name: "all pass",
			rules: []enroll.Rule{
				rule("in-territory", `inStates(["NY", "NJ"])`, "Outside the service territory."),
				rule("has-device", `size(enrollment.devices) > 0`, "No device."),
			},
			wantStatus: enroll.StatusEligible, wantReason: "Meets all eligibility rules: in-territory, has-device",
			wantTrace: []line{{enroll.RulePassed, ""}, {enroll.RulePassed, ""}},
		},
		{
			name: "first failure gives the reason and the trace is complete",
			rules: []enroll.Rule{
				rule("in-territory", `inStates(["NY"])`, ""),
				rule("in-california", `inStates(["CA"])`, "Only California residents qualify."),
				rule("has-device", `size(enrollment.devices) > 0`, "No device."),
				rule("is-ecobee-only", `enrollment.manufacturerSlugs == ["ecobee"]`, "Ecobee only."),
			},
			wantStatus: enroll.StatusIneligible, wantReason: "Only California residents qualify.",
			wantTrace: []line{
				{enroll.RulePassed, ""}, {enroll.RuleFailed, "Only California residents qualify."},
				{enroll.RulePassed, ""}, {enroll.RuleFailed, "Ecobee only."},
			},
		},
		{
			name:       "failure without a reason",
			rules:      []enroll.Rule{rule("never", `false`, "")},
			wantStatus: enroll.StatusIneligible, wantReason: "Failed rule never",
			wantTrace: []line{{enroll.RuleFailed, ""}},
		},
		{
			name: "runtime error counts as failure and keeps its text",
			rules: []enroll.Rule{
				rule("ok", `true`, ""),
				rule("missing", `enrollment.metadata.missing == 1`, "Missing data."),
				rule("later-failure", `false`, "Later."),
			},
			wantStatus: enroll.StatusIneligible, wantReason: "Missing data.",
			wantTrace: []line{{enroll.RulePassed, ""}, {enroll.RuleError, "no such key"}, {enroll.RuleFailed, "Later."}},
		},
		{
			name:       "rule that does not compile at evaluation time",
			rules:      []enroll.Rule{rule("broken", `enrollment.tags.exists(t, `, "")},
			wantStatus: enroll.StatusIneligible, wantReason: "Failed rule broken",
			wantTrace: []line{{enroll.RuleError, "1:"}},
		},
	}
	e := rules.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := time.Now().UTC().Add(-time.Second)
			ev := evaluate(t, e, enroll.EvaluationInput{Instance: newInstance(tt.rules...)})
			if ev.Status != tt.wantStatus || ev.Reason != tt.wantReason {
				t.Errorf("got %s %q, want %s %q", ev.Status, ev.Reason, tt.wantStatus, tt.wantReason)
			}
			if ev.RulesVersion != 7 {
				t.Errorf("RulesVersion = %d, want 7", ev.RulesVersion)
			}
			if ev.EvaluatedAt.Before(before) || ev.EvaluatedAt.Location() != time.UTC || ev.EvaluatedAt.Nanosecond()%1000 != 0 {
				t.Errorf("EvaluatedAt = %v, want now, UTC, in microseconds", ev.EvaluatedAt)
			}
			if ev.Trace == nil || len(ev.Trace) != len(tt.wantTrace) {
				t.Fatalf("trace = %+v, want %d lines", ev.Trace, len(tt.wantTrace))
			}
			for i, w := range tt.wantTrace {
				got := ev.Trace[i]
				if got.Name != tt.rules[i].Name || got.Outcome != w.outcome || !strings.Contains(got.Message, w.message) {
					t.Errorf("trace[%d] = %+v, want %s %s with message containing %q", i, got, tt.rules[i].Name, w.outcome, w.message)
				}
				if got.Outcome == enroll.RulePassed && got.Message != "" {
					t.Errorf("trace[%d]: passed rule has message %q", i, got.Message)
				}
			}
		})
	}
}

// TestEvaluateVariables checks that rules see the API's JSON field names.
func TestEvaluateVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr     string
		customer *enroll.Customer
		want     enroll.RuleOutcome
	}{
		{`enrollment.address.postalCode == "10001"`, nil, enroll.RulePassed},
		{`enrollment.address.state == "NJ"`, nil, enroll.RuleFailed},
		{`"vip" in enrollment.tags`, nil, enroll.RulePassed},
		{`enrollment.manufacturerSlugs.exists(m, m == "google-nest")`, nil, enroll.RulePassed},
		{`enrollment.devices[0].manufacturerSlug == "ecobee"`, nil, enroll.RulePassed},
		{`enrollment.metadata.score >= 3 && enrollment.metadata.score + 1 == 4`, nil, enroll.RulePassed},
		{`enrollment.metadata.ratio < 1 && enrollment.metadata.flag == true`, nil, enroll.RulePassed},
		{`enrollment.parameters.exists(p, p.externalId == "size")`, nil, enroll.RulePassed},
		{`enrollment.params.size == "large" && enrollment.params["count"] == 2`, nil, enroll.RulePassed},
		{`enrollment.eligibility.status == "candidate"`, nil, enroll.RulePassed},
		{`timestamp(enrollment.createdAt) < timestamp("2026-01-01T00:00:00Z")`, nil, enroll.RulePassed},
		{`instance.metadata.region == "east" && instance.slug == "ny-2025"`, nil, enroll.RulePassed},
		{`enrollment.address.state in instance.metadata.states`, nil, enroll.RulePassed},
		{`customer.email.endsWith("@example.org")`, newCustomer(), enroll.RulePassed},
		{`!has(customer.email) && customer == {}`, nil, enroll.RulePassed},
		{`customer.email == "x"`, nil, enroll.RuleError},
		{`enrollment.email.split("@")[1].upperAscii() == "EXAMPLE.COM"`, nil, enroll.RulePassed},
		{`enrollment.?notes.orValue("") == ""`, nil, enroll.RulePassed},
	}
	e := rules.New()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			ev := evaluate(t, e, enroll.EvaluationInput{Customer: tt.customer, Instance: newInstance(rule("r", tt.expr, ""))})
			if got := ev.Trace[0]; got.Outcome != tt.want {
				t.Errorf("got %+v, want %s", got, tt.want)
			}
		})
	}
}

func TestEnrolledInOtherProgram(t *testing.T) {
	t.Parallel()
	errLookup := errors.New("database is down")
	tests := []struct {
		name      string
		rules     []enroll.Rule
		nilFunc   bool
		enrolled  bool
		err       error
		want      []enroll.RuleOutcome
		wantCalls int
	}{
		{name: "not enrolled", rules: []enroll.Rule{rule("r", `!enrolledInOtherProgram()`, "")},
			want: []enroll.RuleOutcome{enroll.RulePassed}, wantCalls: 1},
		{name: "enrolled", enrolled: true, rules: []enroll.Rule{rule("r", `!enrolledInOtherProgram()`, "")},
			want: []enroll.RuleOutcome{enroll.RuleFailed}, wantCalls: 1},
		{name: "lookup error", err: errLookup, rules: []enroll.Rule{rule("r", `!enrolledInOtherProgram()`, "")},
			want: []enroll.RuleOutcome{enroll.RuleError}, wantCalls: 1},
		{name: "nil callback is false", nilFunc: true, rules: []enroll.Rule{rule("r", `!enrolledInOtherProgram()`, "")},
			want: []enroll.RuleOutcome{enroll.RulePassed}},
		{name: "not called when no rule uses it", enrolled: true,
			rules: []enroll.Rule{rule("a", `inStates(["NY"])`, ""), rule("b", `size(enrollment.tags) > 0`, "")},
			want:  []enroll.RuleOutcome{enroll.RulePassed, enroll.RulePassed}},
		{name: "not called when short-circuited", enrolled: true,
			rules: []enroll.Rule{rule("a", `inStates(["CA"]) && !enrolledInOtherProgram()`, "")},
			want:  []enroll.RuleOutcome{enroll.RuleFailed}},
		{name: "called once for several rules", enrolled: true,
			rules: []enroll.Rule{rule("a", `enrolledInOtherProgram()`, ""), rule("b", `!enrolledInOtherProgram()`, "")},
			want:  []enroll.RuleOutcome{enroll.RulePassed, enroll.RuleFailed}, wantCalls: 1},
	}
	e := rules.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			in := enroll.EvaluationInput{Instance: newInstance(tt.rules...)}
			if !tt.nilFunc {
				in.EnrolledInOtherProgram = func() (bool, error) { calls++; return tt.enrolled, tt.err }
			}
			ev := evaluate(t, e, in)
			for i, w := range tt.want {
				if ev.Trace[i].Outcome != w {
					t.Errorf("trace[%d] = %+v, want %s", i, ev.Trace[i], w)
				}
			}
			if calls != tt.wantCalls {
				t.Errorf("callback called %d times, want %d", calls, tt.wantCalls)
			}
			if tt.err != nil && (!strings.Contains(ev.Trace[0].Message, "enrolledInOtherProgram") || strings.Contains(ev.Trace[0].Message, "database")) {
				t.Errorf("error message %q should name the function and hide the internal error", ev.Trace[0].Message)
			}
		})
	}
}

// TestEvaluateCostLimit feeds data past the validation limits, which the
// static estimate assumes, so only the runtime limit can stop the rule.
func TestEvaluateCostLimit(t *testing.T) {
	t.Parallel()
	codes := make([]any, 200_000)
	for i := range codes {
		codes[i] = "code"
	}
	en := newEnrollment()
	en.Metadata = map[string]any{"codes": codes}
	ev := evaluate(t, rules.New(), enroll.EvaluationInput{Enrollment: en,
		Instance: newInstance(rule("scan", `enrollment.metadata.codes.all(c, c == "code")`, "Too costly."))})
	if got := ev.Trace[0]; got.Outcome != enroll.RuleError || !strings.Contains(got.Message, "cost limit") {
		t.Errorf("got %+v, want an error naming the cost limit", got)
	}
	if ev.Status != enroll.StatusIneligible || ev.Reason != "Too costly." {
		t.Errorf("got %s %q", ev.Status, ev.Reason)
	}
}

func TestEvaluateContext(t *testing.T) {
	t.Parallel()
	// A limit this high admits a rule of about a billion steps: only the
	// context can stop it.
	e := rules.New(rules.WithCostLimit(1 << 62))
	slow := newInstance(rule("slow", `lists.range(1000).all(i, lists.range(1000).all(j, lists.range(1000).all(k, i + j + k >= 0)))`, ""))
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		ev, err := e.Evaluate(ctx, enroll.EvaluationInput{Enrollment: newEnrollment(), Instance: slow})
		if !errors.Is(err, context.DeadlineExceeded) || ev != nil {
			t.Errorf("got %v, %v; want a deadline error", ev, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("evaluation stopped after %v", d)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		_, err := e.Evaluate(ctx, enroll.EvaluationInput{Enrollment: newEnrollment(),
			Instance:               newInstance(rule("r", `enrolledInOtherProgram()`, "")),
			EnrolledInOtherProgram: func() (bool, error) { called = true; return false, nil }})
		if !errors.Is(err, context.Canceled) || called {
			t.Errorf("got %v (callback called: %v), want context.Canceled", err, called)
		}
	})
}

func TestEvaluateBadInput(t *testing.T) {
	t.Parallel()
	e := rules.New()
	if _, err := e.Evaluate(context.Background(), enroll.EvaluationInput{Enrollment: newEnrollment()}); err == nil {
		t.Error("no error without an instance")
	}
	if _, err := e.Evaluate(context.Background(), enroll.EvaluationInput{Instance: newInstance()}); err == nil {
		t.Error("no error without an enrollment")
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	t.Parallel()
	e := rules.New()
	inst := newInstance(rule("a", `inStates(["NY"])`, ""), rule("b", `!enrolledInOtherProgram()`, ""))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				ev := evaluate(t, e, enroll.EvaluationInput{Instance: inst, EnrolledInOtherProgram: func() (bool, error) { return false, nil }})
				if ev.Status != enroll.StatusEligible {
					t.Errorf("got %+v", ev)
				}
			}
		})
	}
	wg.Wait()
	if n := rules.Compiles(e); n != 1 {
		t.Errorf("compiled %d times, want 1", n)
	}
}

// TestEvaluateConcurrentInputs evaluates different inputs at once: each
// evaluation must see its own, whatever activation and maps the engine
// reuses.
func TestEvaluateConcurrentInputs(t *testing.T) {
	t.Parallel()
	e := rules.New()
	inst := newInstance(
		rule("state", `inStates(["NY"])`, "Not NY."),
		rule("score", `enrollment.metadata.score >= 3 && enrollment.params.size == "large"`, "Low score."),
		rule("email", `customer.email.endsWith(".org")`, "Not .org."),
		rule("exclusive", `!enrolledInOtherProgram()`, "Enrolled elsewhere."),
	)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := g*1000 + i
				en, cu := newEnrollment(), newCustomer()
				wantReason := "Meets all eligibility rules: state, score, email, exclusive"
				switch n % 5 {
				case 1:
					en.Address.State, wantReason = "CA", "Not NY."
				case 2:
					en.Metadata["score"], wantReason = float64(n%3), "Low score."
				case 3:
					cu.Email, wantReason = "ada@example.com", "Not .org."
				case 4:
					wantReason = "Enrolled elsewhere."
				}
				ev := evaluate(t, e, enroll.EvaluationInput{Enrollment: en, Customer: cu, Instance: inst,
					EnrolledInOtherProgram: func() (bool, error) { return n%5 == 4, nil }})
				if ev.Reason != wantReason {
					t.Errorf("input %d: reason %q, want %q", n, ev.Reason, wantReason)
					return
				}
			}
		})
	}
	wg.Wait()
}
