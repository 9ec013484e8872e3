package console

import "github.com/enrollhq/enroll"

// action is a status change the console offers for an enrollment: one of
// the moves enroll.Status.Next allows that the key's scopes permit.
type action struct {
	To    enroll.Status
	Label string
	// Shortcut is the key that starts the action, "" for none.
	Shortcut string
	// Style picks the button's look: "primary", "danger" or "".
	Style string
	// NeedsReason is set when the console asks for a reason first.
	NeedsReason bool
}

// actionsFor returns the moves from status from that rq may make, in the
// transition table's order. As in the API, every status change needs
// enrollments:write, and a reviewer's decision (approved, rejected,
// needs_action; resuming a paused enrollment is an approval) needs
// enrollments:review as well.
func actionsFor(rq *request, from enroll.Status) []action {
	var out []action
	for _, to := range from.Next() {
		if allowedMove(rq, to) == "" {
			out = append(out, newAction(from, to))
		}
	}
	return out
}

// allowedMove returns "" when rq may move an enrollment to status to, else
// the scope it lacks.
func allowedMove(rq *request, to enroll.Status) enroll.Scope {
	if !rq.has(enroll.ScopeEnrollmentsWrite) {
		return enroll.ScopeEnrollmentsWrite
	}
	if to.Reviewing() && !rq.has(enroll.ScopeEnrollmentsReview) {
		return enroll.ScopeEnrollmentsReview
	}
	return ""
}

// newAction names the move from → to as a button says it.
func newAction(from, to enroll.Status) action {
	a := action{To: to, NeedsReason: reasonRequired(to)}
	switch to {
	case enroll.StatusApproved:
		a.Label, a.Shortcut, a.Style = "Approve", "a", "primary"
		if from == enroll.StatusPaused {
			a.Label = "Resume"
		}
	case enroll.StatusRejected:
		a.Label, a.Shortcut, a.Style = "Reject", "r", "danger"
	case enroll.StatusNeedsAction:
		a.Label, a.Shortcut = "Request action", "n"
	case enroll.StatusPaused:
		a.Label, a.Shortcut = "Pause", "p"
	case enroll.StatusUnenrolled:
		a.Label, a.Shortcut, a.Style = "Unenroll", "u", "danger"
	case enroll.StatusEligible:
		a.Label = "Mark eligible"
	case enroll.StatusIneligible:
		a.Label = "Mark ineligible"
	case enroll.StatusSubmitted:
		a.Label = "Submit for review"
		if from == enroll.StatusNeedsAction {
			a.Label = "Resubmit"
		}
	default:
		a.Label = "Move to " + statusLabel(to)
	}
	return a
}

// reasonRequired reports whether the console asks for a reason before a
// move: a participant who is rejected or asked to act must be told why.
func reasonRequired(to enroll.Status) bool {
	return to == enroll.StatusRejected || to == enroll.StatusNeedsAction
}
