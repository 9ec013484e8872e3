package sqlite

import (
	"strings"
	"testing"
)

// TestNotificationClaimPlan checks that a notification claim steps
// through the workspaces with pending notifications and reads each one's
// earliest pending notification and the leases held on their indexes,
// never scanning the queue: its only scan of notifications is the first
// entry of notifications_workspace_due (LIMIT 1).
func TestNotificationClaimPlan(t *testing.T) {
	t.Parallel()
	db := openGroupDB(t, "")
	p := explain(t, db, claimNotifications, []any{int64(1), 4})
	t.Logf("plan:\n%s", p)
	for _, line := range strings.Split(p, "\n") {
		rest, scan := strings.CutPrefix(line, "SCAN ")
		table, _, _ := strings.Cut(rest, " ")
		first := line == "SCAN g USING COVERING INDEX notifications_workspace_due"
		if scan && strings.Contains(" f g n l h y d x notifications ", " "+table+" ") && !first {
			t.Errorf("plan scans the queue: %q", line)
		}
	}
	for _, want := range []string{"SEARCH g USING COVERING INDEX notifications_workspace_due (workspace_id>?)",
		"SEARCH l USING COVERING INDEX notifications_leased (lease_until>?)",
		"SEARCH h USING INDEX notifications_workspace_due (workspace_id=? AND next_attempt_at<?)",
		"SEARCH d USING INDEX notifications_workspace_due (workspace_id=? AND next_attempt_at<?)"} {
		if !strings.Contains(p, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
}
