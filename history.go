package enroll

import (
	"strconv"
	"time"
)

// StatusChange is one entry of an enrollment's history: a status change,
// including creation (From empty).
type StatusChange struct {
	ID           string       `json:"id"`
	EnrollmentID string       `json:"enrollmentId"`
	From         Status       `json:"from,omitempty" doc:"Absent for the creation entry."`
	To           Status       `json:"to"`
	Reason       string       `json:"reason,omitempty"`
	ActorKeyID   string       `json:"actorKeyId,omitempty" doc:"The API key that made the change; absent for the CLI and the system."`
	RequestID    string       `json:"requestId,omitempty"`
	RulesVersion *int         `json:"rulesVersion,omitempty" doc:"Set when an eligibility evaluation made the change."`
	Trace        []RuleResult `json:"trace,omitempty" doc:"The evaluation's per-rule results, when an evaluation made the change."`
	CreatedAt    time.Time    `json:"createdAt"`
}

// NewStatusChange returns the history entry for moving e from → e's status,
// made by a. When ev is not nil the evaluation made the change.
func NewStatusChange(a Actor, e *Enrollment, from Status, ev *Evaluation, now time.Time) *StatusChange {
	h := &StatusChange{ID: NewID(), EnrollmentID: e.ID, From: from, To: e.Eligibility.Status,
		Reason: e.Eligibility.Reason, ActorKeyID: a.KeyID, RequestID: a.RequestID, CreatedAt: now}
	if ev != nil {
		v := ev.RulesVersion
		h.RulesVersion, h.Trace = &v, ev.Trace
	}
	return h
}

func itoa(i int) string { return strconv.Itoa(i) }
