package enroll

import (
	"fmt"
	"strconv"
	"time"
)

// StatusChange is one entry of an enrollment's history: a status change,
// including creation (From empty).
type StatusChange struct {
	ID           string       `json:"id"`
	EnrollmentID string       `json:"enrollmentId"`
	From         Status       `json:"from" nullable:"true" doc:"Null for the creation entry."`
	To           Status       `json:"to"`
	Reason       string       `json:"reason" nullable:"true"`
	ActorKeyID   string       `json:"actorKeyId" nullable:"true" doc:"The API key that made the change; null for the CLI and the system."`
	RequestID    string       `json:"requestId" nullable:"true"`
	RulesVersion *int         `json:"rulesVersion" doc:"Set when an eligibility evaluation made the change; null otherwise."`
	Trace        []RuleResult `json:"trace" doc:"The evaluation's per-rule results, when an evaluation made the change; null otherwise."`
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

// AppendJSON appends the history entry's representation to b, every
// member present, null when it has no value (nulljson.go), byte for byte
// as json.Marshal writes it: an imported row writes two.
func (h *StatusChange) AppendJSON(b []byte) ([]byte, error) {
	b = appendJSONString(append(b, `{"id":`...), h.ID)
	b = appendJSONString(append(b, `,"enrollmentId":`...), h.EnrollmentID)
	b = appendOptString(b, `,"from":`, string(h.From))
	b = appendJSONString(append(b, `,"to":`...), string(h.To))
	b = appendOptString(b, `,"reason":`, h.Reason)
	b = appendOptString(b, `,"actorKeyId":`, h.ActorKeyID)
	b = appendOptString(b, `,"requestId":`, h.RequestID)
	b = append(b, `,"rulesVersion":`...)
	if h.RulesVersion == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*h.RulesVersion), 10)
	}
	b, err := appendMarshal(b, `,"trace":`, h.Trace)
	if err == nil {
		b, err = appendTime(append(b, `,"createdAt":`...), h.CreatedAt)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding history entry %s: %w", h.ID, err)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the history entry's representation (AppendJSON)
// without HTML escapes, as the API's encoder writes what it encodes itself.
func (h StatusChange) MarshalJSON() ([]byte, error) { return unescapedJSON(&h, 512) }
