package enroll_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// relayRefused are addresses net/mail parses that mail relays commonly
// refuse, each with a word of the message that says why.
var relayRefused = []struct{ email, says string }{
	{"a@b", "dot"},
	{"ops@localhost", "dot"},
	{"ops@[192.0.2.1]", "IP address"},
	{"ops@192.0.2.1", "IP address"},
	{"josé@example.com", "ASCII local part"},
	{"ops@exämple.com", "xn--"},
	{"ops@ex_ample.com", "letters, digits and hyphens"},
}

// wantEmailProblem fails t unless err is an EINVALID with one field
// error, at field, whose message has says.
func wantEmailProblem(t *testing.T, err error, field, says string) {
	t.Helper()
	var e *enroll.Error
	if !errors.As(err, &e) || e.Code != enroll.EINVALID || len(e.Fields) != 1 ||
		e.Fields[0].Location != field || !strings.Contains(e.Fields[0].Message, says) {
		t.Fatalf("error = %v, want one field error at %s saying %q", err, field, says)
	}
}

func TestParticipantEmailsNew(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: "i1"}
	for _, c := range relayRefused {
		t.Run(c.email, func(t *testing.T) {
			t.Parallel()
			cust := &enroll.Customer{FirstName: "A", LastName: "B", Email: c.email}
			wantEmailProblem(t, cust.Validate(), "email", c.says)
			stored := &enroll.Customer{FirstName: "A", LastName: "B", Email: "a@example.com"}
			wantEmailProblem(t, cust.ValidateChange(stored), "email", c.says)
			lead := &enroll.Lead{Email: c.email}
			wantEmailProblem(t, lead.Validate(), "email", c.says)
			wantEmailProblem(t, lead.ValidateChange(&enroll.Lead{Email: "a@example.com"}), "email", c.says)
			in := &enroll.EnrollmentCreate{IdentificationType: "customerInfo", FirstName: "A", LastName: "B", Email: c.email}
			wantEmailProblem(t, in.Validate(), "email", c.says)

			// A lead's or a re-enrollment's email given anew in the request.
			l := &enroll.Lead{ID: "l1", FirstName: "A", Email: "a@example.com"}
			in = &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1", Email: c.email}
			_, err := enroll.NewEnrollment("w", in, inst, enroll.ParticipantFromLead(l).Overlay(in), now)
			wantEmailProblem(t, err, "email", c.says)

			// A PATCH giving the enrollment a new email.
			old, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1"}, inst,
				enroll.ParticipantFromLead(l), now)
			if err != nil {
				t.Fatal(err)
			}
			e := old.Clone()
			e.Email = c.email
			_, err = enroll.PrepareEnrollmentUpdate(old, e, inst, now)
			wantEmailProblem(t, err, "email", c.says)
		})
	}
}

// TestParticipantEmailsStored checks that an email stored before the
// stricter check, sent back as it is, is not refused: the customer, the
// lead and an enrollment made from either stay savable.
func TestParticipantEmailsStored(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: "i1"}
	for _, c := range relayRefused {
		t.Run(c.email, func(t *testing.T) {
			t.Parallel()
			stored := &enroll.Customer{ID: "c1", FirstName: "A", LastName: "B", Email: c.email}
			cust := *stored
			cust.FirstName = "Ann"
			if err := cust.ValidateChange(stored); err != nil {
				t.Fatalf("customer sent back: %v", err)
			}
			l := &enroll.Lead{ID: "l1", FirstName: "A", Email: c.email}
			if err := (&enroll.Lead{Phone: "1", Email: c.email}).ValidateChange(l); err != nil {
				t.Fatalf("lead sent back: %v", err)
			}
			for _, p := range []enroll.Participant{enroll.ParticipantFromCustomer(stored), enroll.ParticipantFromLead(l)} {
				in := &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1", Email: c.email}
				e, err := enroll.NewEnrollment("w", in, inst, p.Overlay(in), now)
				if err != nil {
					t.Fatalf("enrollment of %+v: %v", p, err)
				}
				n := e.Clone()
				n.Notes = "kept"
				if _, err := enroll.PrepareEnrollmentUpdate(e, n, inst, now); err != nil {
					t.Fatalf("enrollment sent back: %v", err)
				}
				again, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "enrollmentId", EnrollmentID: e.ID},
					inst, enroll.ParticipantFromEnrollment(e), now)
				if err != nil || again.Email != c.email {
					t.Fatalf("re-enrollment: %v", err)
				}
			}
			// Still an address: what the earlier check refused stays refused.
			bad := *stored
			bad.Email = "a@"
			if err := bad.ValidateChange(&bad); err == nil {
				t.Fatal("a@ sent back must still be refused")
			}
		})
	}
}
