package sqlite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestAfterExpiredPlan checks that a poll's look for events the retention
// deleted past its cursor (afterExpiredQuery) reads a range of
// event_counts_expired a type, whatever its filter, rather than every
// counter of the workspace: a poll of a workspace of many instances would
// read instances × types of them.
func TestAfterExpiredPlan(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	for _, f := range []enroll.EventFilter{
		{},
		{Types: []enroll.EventType{enroll.EventEnrollmentDeleted}},
		{InstanceIDs: manyInstances(300)},
		{ObjectID: "x", Types: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentDeleted}},
	} {
		q, args := afterExpiredQuery(s.a.WorkspaceID, f, 5)
		if p := explain(t, s.db, q, args); !strings.Contains(p, "INDEX event_counts_expired (workspace_id=? AND type=? AND expired_seq>?)") {
			t.Errorf("%+v: the look for expired events does not read event_counts_expired:\n%s\n%s", f, q, p)
		}
	}
	// A key limited to a few instances probes its own counter keys by the
	// primary key, not the ranges, which hold every other instance's keys
	// swept past its cursor.
	for _, f := range []enroll.EventFilter{
		{InstanceIDs: []string{"a", "b"}},
		{InstanceIDs: []string{"a"}, Types: []enroll.EventType{enroll.EventEnrollmentDeleted}},
	} {
		q, args := afterExpiredQuery(s.a.WorkspaceID, f, 5)
		if p := explain(t, s.db, q, args); !strings.Contains(p, "PRIMARY KEY (workspace_id=? AND instance_id=? AND type=?)") {
			t.Errorf("%+v: the look for expired events does not probe the key's own counters:\n%s\n%s", f, q, p)
		}
	}
}

// manyInstances returns n instance ids, more than afterExpiredQuery
// probes one by one with every type.
func manyInstances(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint("inst", i)
	}
	return ids
}
