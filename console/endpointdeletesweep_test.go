package console

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestDeleteWebhookWakesSweep: a console deletion of an endpoint whose
// later batch of deliveries fails wakes the server's sweep of orphaned
// deliveries at once, as the API's deletion does, rather than leaving
// them for its next round ten minutes on; a deletion that left nothing
// wakes nothing.
func TestDeleteWebhookWakesSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	whole := f.endpoint("https://receiver.example/whole")
	left := f.endpoint("https://receiver.example/left")
	refuseSecondBatch(t, f, left.ID)

	c := f.signedIn(f.secret)
	del := func(id string) {
		path := endpointPath(id)
		csrf := c.get(path).status(http.StatusOK).field("csrf")
		c.post(path+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).status(http.StatusOK)
	}
	del(whole.ID)
	if got := f.swept.Load(); got != 0 {
		t.Errorf("a deletion that left nothing woke the sweep %d times", got)
	}
	del(left.ID)
	if got := f.swept.Load(); got != 1 {
		t.Errorf("a deletion that left deliveries woke the sweep %d times, want 1", got)
	}
}

// refuseSecondBatch gives endpoint endpointID more deliveries than one
// batch of its deletion takes (enroll.EndpointDeleteBatch) and a trigger
// refusing to delete those past the first batch, so that deleting the
// endpoint leaves deliveries behind (enroll.ErrDeliveriesLeft).
func refuseSecondBatch(t *testing.T, f *fixture, endpointID string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = enroll.EndpointDeleteBatch + 3
	if _, err := db.Exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, doc, created_at, updated_at)
		WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?1)
		SELECT 'whd_' || ?3 || '_' || n, ?2, ?3, 'ev_' || ?3 || '_' || n, 's' || n, n, 'succeeded', '{"status":"succeeded","attempts":[]}', 0, 0 FROM g`,
		n, f.wsID, endpointID); err != nil {
		t.Fatal(err)
	}
	var first int64
	if err := db.QueryRow(`SELECT seq FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY seq LIMIT 1 OFFSET ?`,
		endpointID, enroll.EndpointDeleteBatch).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER refuse_second_batch BEFORE DELETE ON webhook_deliveries WHEN old.seq >= %d
		BEGIN SELECT RAISE(ABORT, 'refused'); END`, first)); err != nil {
		t.Fatal(err)
	}
}
