package enroll_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestEventMarshalDoc(t *testing.T) {
	t.Parallel()
	a := enroll.Actor{WorkspaceID: "ws", KeyID: "key1", RequestID: "req_1"}
	now := time.Date(2026, 11, 24, 2, 15, 34, 460738000, time.UTC)
	obj := map[string]any{"id": "e1", "firstName": "<Zoë & \"Bob\">", "n": 7.5, "tags": []string{"a"}}
	hostile := a
	hostile.RequestID = "req<script>&\"\\"
	tests := []struct {
		name string
		e    *enroll.Event
	}{
		{"created", enroll.NewEvent(a, enroll.EventEnrollmentCreated, "e1", obj, nil, now)},
		{"updated with previous attributes", enroll.NewEvent(a, enroll.EventEnrollmentUpdated, "e1", obj,
			map[string]any{"eligibility": map[string]any{"status": "candidate"}, "evaluation": nil}, now)},
		{"escaped request id", enroll.NewEvent(hostile, enroll.EventEnrollmentDeleted, "e1", obj, nil, now)},
		{"no actor", enroll.NewEvent(enroll.Actor{WorkspaceID: "ws"}, enroll.EventProgramCreated, "p1", obj, nil, now)},
		{"no object", &enroll.Event{ID: "evt_1", Type: enroll.EventProgramDeleted, CreatedAt: now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.e.MarshalDoc()
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Fatalf("MarshalDoc:\n got %s\nwant %s", got, want)
			}
		})
	}
}
