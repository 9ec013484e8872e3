package enroll

import (
	"slices"
)

// Status is the eligibility status of an enrollment (eligibility.status).
type Status string

// The statuses of the enrollment workflow, in the order they are usually met.
const (
	// StatusCandidate is the initial state: the participant has been
	// identified but not yet evaluated.
	StatusCandidate Status = "candidate"
	// StatusEligible means the participant meets every program requirement.
	StatusEligible Status = "eligible"
	// StatusIneligible means a requirement is not met; a re-evaluation after
	// the criteria change may still make the enrollment eligible.
	StatusIneligible Status = "ineligible"
	// StatusSubmitted means the application is complete and awaits review.
	StatusSubmitted Status = "submitted"
	// StatusNeedsAction means review found something the participant must fix
	// before it can be submitted again.
	StatusNeedsAction Status = "needs_action"
	// StatusApproved means the enrollment was accepted: participation is active.
	StatusApproved Status = "approved"
	// StatusRejected means review denied participation. Terminal.
	StatusRejected Status = "rejected"
	// StatusPaused means participation is suspended and may resume.
	StatusPaused Status = "paused"
	// StatusUnenrolled means the participant left the program. Terminal.
	StatusUnenrolled Status = "unenrolled"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{
	StatusCandidate, StatusEligible, StatusIneligible, StatusSubmitted,
	StatusNeedsAction, StatusApproved, StatusRejected, StatusPaused, StatusUnenrolled,
}

// transitions is the one table of allowed status changes. Every write path
// that changes a status checks it through CanTransition.
var transitions = map[Status][]Status{
	StatusCandidate:   {StatusEligible, StatusIneligible},
	StatusIneligible:  {StatusEligible},
	StatusEligible:    {StatusSubmitted, StatusIneligible},
	StatusSubmitted:   {StatusApproved, StatusRejected, StatusNeedsAction},
	StatusNeedsAction: {StatusSubmitted},
	StatusApproved:    {StatusPaused, StatusUnenrolled},
	StatusPaused:      {StatusApproved, StatusUnenrolled},
	StatusRejected:    {},
	StatusUnenrolled:  {},
}

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Next returns the statuses s may move to, in table order. The slice is a
// copy and never nil.
func (s Status) Next() []Status {
	return append([]Status{}, transitions[s]...)
}

// Terminal reports whether no status can follow s.
func (s Status) Terminal() bool {
	return s.Valid() && len(transitions[s]) == 0
}

// Open reports whether an enrollment in s still counts as the participant's
// enrollment in its instance: every status but the terminal ones. At most
// one open enrollment per customer and instance may exist.
func (s Status) Open() bool { return s.Valid() && !s.Terminal() }

// Reviewing reports whether moving to s is a reviewer's decision (approve,
// reject, request action), which needs the enrollments:review scope.
func (s Status) Reviewing() bool {
	return s == StatusApproved || s == StatusRejected || s == StatusNeedsAction
}

// CanTransition reports whether the table allows from → to.
func CanTransition(from, to Status) bool {
	return slices.Contains(transitions[from], to)
}

// CheckTransition returns nil when from → to is allowed, EINVALID when to is
// not a status, and ECONFLICT naming the current and allowed statuses when
// the table refuses it. A change to the same status is not a transition and
// must be handled by the caller as a no-op.
func CheckTransition(from, to Status) error {
	if !to.Valid() {
		return &Error{Code: EINVALID, Message: "eligibilityStatus: unknown status " + quote(string(to)),
			Fields: []FieldError{{Location: "body.eligibilityStatus", Message: "must be one of " + statusList(Statuses), Value: string(to)}}}
	}
	if CanTransition(from, to) {
		return nil
	}
	allowed := from.Next()
	msg := "Cannot change status from " + quote(string(from)) + " to " + quote(string(to)) + "; allowed: " + statusList(allowed) + "."
	if len(allowed) == 0 {
		msg = "Cannot change status from " + quote(string(from)) + ": it is terminal (re-enroll with identificationType enrollmentId)."
	}
	return &Error{Code: ECONFLICT, Message: msg, Extra: map[string]any{
		"currentStatus":   from,
		"requestedStatus": to,
		"allowedStatuses": allowed,
	}}
}

func statusList(ss []Status) string {
	if len(ss) == 0 {
		return "none"
	}
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += string(s)
	}
	return out
}

func quote(s string) string { return "\"" + s + "\"" }
