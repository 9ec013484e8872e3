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

// TestParticipantEmails checks each address mail relays commonly refuse
// as a new participant email (refused) and as one stored before the
// check (kept).
func TestParticipantEmails(t *testing.T) {
	t.Parallel()
	for _, c := range relayRefused {
		t.Run(c.email, func(t *testing.T) {
			t.Parallel()
			checkNewEmail(t, c.email, c.says)
			checkStoredEmail(t, c.email)
		})
	}
}

// emailTestTime and emailTestInstance are those of the enrollments the
// email tests make.
var (
	emailTestTime     = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	emailTestInstance = &enroll.ProgramInstance{ID: "i1"}
)

// checkNewEmail checks that email, given anew, is refused at the field
// with a message saying says, by every check of a participant's email.
func checkNewEmail(t *testing.T, email, says string) {
	t.Helper()
	now, inst := emailTestTime, emailTestInstance
	cust := &enroll.Customer{FirstName: "A", LastName: "B", Email: email}
	wantEmailProblem(t, cust.Validate(), "email", says)
	stored := &enroll.Customer{FirstName: "A", LastName: "B", Email: "a@example.com"}
	wantEmailProblem(t, cust.ValidateChange(stored), "email", says)
	lead := &enroll.Lead{Email: email}
	wantEmailProblem(t, lead.Validate(), "email", says)
	wantEmailProblem(t, lead.ValidateChange(&enroll.Lead{Email: "a@example.com"}), "email", says)
	in := &enroll.EnrollmentCreate{IdentificationType: "customerInfo", FirstName: "A", LastName: "B", Email: email}
	wantEmailProblem(t, in.Validate(), "email", says)

	// A lead's email given anew in the request.
	l := &enroll.Lead{ID: "l1", FirstName: "A", Email: "a@example.com"}
	in = &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1", Email: email}
	_, err := enroll.NewEnrollment("w", in, inst, enroll.ParticipantFromLead(l).Overlay(in), now)
	wantEmailProblem(t, err, "email", says)

	// A PATCH giving the enrollment a new email.
	old, err := enroll.NewEnrollment("w", &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1"}, inst,
		enroll.ParticipantFromLead(l), now)
	if err != nil {
		t.Fatal(err)
	}
	e := old.Clone()
	e.Email = email
	_, err = enroll.PrepareEnrollmentUpdate(old, e, inst, now)
	wantEmailProblem(t, err, "email", says)
}

// checkStoredEmail checks that email, stored before the stricter check
// and sent back as it is, is not refused: the customer, the lead and an
// enrollment made from either stay savable.
func checkStoredEmail(t *testing.T, email string) {
	t.Helper()
	now, inst := emailTestTime, emailTestInstance
	stored := &enroll.Customer{ID: "c1", FirstName: "A", LastName: "B", Email: email}
	cust := *stored
	cust.FirstName = "Ann"
	if err := cust.ValidateChange(stored); err != nil {
		t.Fatalf("customer sent back: %v", err)
	}
	l := &enroll.Lead{ID: "l1", FirstName: "A", Email: email}
	if err := (&enroll.Lead{Phone: "1", Email: email}).ValidateChange(l); err != nil {
		t.Fatalf("lead sent back: %v", err)
	}
	for _, p := range []enroll.Participant{enroll.ParticipantFromCustomer(stored), enroll.ParticipantFromLead(l)} {
		in := &enroll.EnrollmentCreate{IdentificationType: "leadId", LeadID: "l1", Email: email}
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
		if err != nil || again.Email != email {
			t.Fatalf("re-enrollment: %v", err)
		}
	}
	// Still an address: what the earlier check refused stays refused.
	bad := *stored
	bad.Email = "a@"
	if err := bad.ValidateChange(&bad); err == nil {
		t.Fatal("a@ sent back must still be refused")
	}
}
