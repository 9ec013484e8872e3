package enroll_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEncodeDocs checks that documents encoded ahead are the ones the
// stores would have encoded at the write.
func TestEncodeDocs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 9, 30, 0, 123456000, time.UTC)
	a := enroll.Actor{WorkspaceID: "ws", KeyID: "key", RequestID: "req"}
	inst := &enroll.ProgramInstance{ID: "inst", WorkspaceID: "ws", ProgramID: "prog", Status: enroll.InstanceActive, AutoEvaluate: true}
	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "Zoë", LastName: "O\"Hara", Email: "zoe@example.com"}
	e, err := enroll.NewEnrollment("ws", in, inst, enroll.Participant{}.Overlay(in), now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := enroll.PlanEnrollmentCreation(a, e, inst, in, func(*enroll.Enrollment) (*enroll.Evaluation, error) {
		return &enroll.Evaluation{Status: enroll.StatusEligible, EvaluatedAt: now}, nil
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Docs.HistoryDocs() != nil || c.Docs.EventDocs() != nil {
		t.Fatal("docs before EncodeDocs")
	}
	if err := c.EncodeDocs(); err != nil {
		t.Fatal(err)
	}
	if len(c.Docs.History) != len(c.History) || len(c.Docs.Events) != len(c.Events) || len(c.Events) < 2 {
		t.Fatalf("%d/%d history docs, %d/%d event docs", len(c.Docs.History), len(c.History), len(c.Docs.Events), len(c.Events))
	}
	for i, h := range c.History {
		want, _ := json.Marshal(h)
		if c.Docs.HistoryDocs()[i] != string(want) {
			t.Errorf("history %d:\n%s\nwant\n%s", i, c.Docs.History[i], want)
		}
	}
	for i, ev := range c.Events {
		want, _ := ev.MarshalDoc()
		if c.Docs.EventDocs()[i] != want {
			t.Errorf("event %d:\n%s\nwant\n%s", i, c.Docs.Events[i], want)
		}
	}
}
