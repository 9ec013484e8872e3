package http_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// TestH6EndpointDeleteLeavesDeliveries deletes an endpoint whose
// deliveries take two batches while the second batch fails (a trigger
// refuses to delete them): the endpoint is gone from the first
// transaction, so the DELETE answers 204, not a 5xx that a retry would
// answer with 404; the deliveries left are inert (not found, listed nor
// claimed), and the server deletes them once it can, without a restart.
// On both stores (ENROLL_TEST_STORE=postgres).
func TestH6EndpointDeleteLeavesDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.do("POST", "/v1/webhookEndpoints", map[string]any{"url": "https://hooks.example.com/h6"}).expect(201).obj()["id"].(string)
	const n = enroll.EndpointDeleteBatch + 3
	var first int64
	if e.pgURL == "" {
		e.exec(`INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, next_attempt_at, doc, created_at, updated_at)
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
			SELECT 'whd_h6_' || n, ?, ?, 'ev_h6_' || n, 's' || n, n, 'pending', 0, '{"status":"pending","attempts":[]}', 0, 0 FROM g`,
			n, e.wsID, id)
		if err := e.sqlDB().QueryRow(`SELECT seq FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY seq LIMIT 1 OFFSET ?`,
			id, enroll.EndpointDeleteBatch).Scan(&first); err != nil {
			t.Fatal(err)
		}
		e.exec(fmt.Sprintf(`CREATE TRIGGER h6_refuse BEFORE DELETE ON webhook_deliveries WHEN old.seq >= %d
			BEGIN SELECT RAISE(ABORT, 'h6: refused'); END`, first))
	} else {
		e.pgExec(func(c *pgx.Conn) error {
			if _, err := c.Exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status, next_attempt_at, doc, created_at, updated_at)
				SELECT 'whd_h6_' || n, $2, $3, 'ev_h6_' || n, 's' || n, n, 'pending', now() - interval '1 hour', '{"status":"pending","attempts":[]}', now(), now()
				FROM generate_series(1, $1) n`, n, e.wsID, id); err != nil {
				return err
			}
			if err := c.QueryRow(ctx, `SELECT seq FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY seq LIMIT 1 OFFSET $2`,
				id, enroll.EndpointDeleteBatch).Scan(&first); err != nil {
				return err
			}
			_, err := c.Exec(ctx, fmt.Sprintf(`CREATE FUNCTION h6_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'h6: refused'; END $$;
				CREATE TRIGGER h6_refuse BEFORE DELETE ON webhook_deliveries FOR EACH ROW WHEN (old.seq >= %d) EXECUTE FUNCTION h6_refuse()`, first))
			return err
		})
	}
	left := func() int {
		t.Helper()
		var k int
		if e.pgURL == "" {
			if err := e.sqlDB().QueryRow(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, id).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		e.pgExec(func(c *pgx.Conn) error {
			return c.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, id).Scan(&k)
		})
		return k
	}

	e.do("DELETE", "/v1/webhookEndpoints/"+id, nil).expect(204)
	e.do("DELETE", "/v1/webhookEndpoints/"+id, nil).expect(404)
	e.do("GET", "/v1/webhookEndpoints/"+id, nil).expect(404)
	e.do("GET", "/v1/webhookEndpoints/"+id+"/deliveries", nil).expect(404)
	e.do("GET", "/v1/webhookEndpoints/"+id+"/deliveries/whd_h6_"+fmt.Sprint(n), nil).expect(404)
	if k := left(); k != 3 {
		t.Fatalf("%d deliveries left after the failed batch, want 3", k)
	}
	jobs, err := e.store.(enroll.WebhookStore).ClaimWebhookDeliveries(ctx, time.Minute, 100, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Delivery.EndpointID == id {
			t.Errorf("claimed delivery %s of the deleted endpoint", j.Delivery.ID)
		}
	}

	if e.pgURL == "" {
		e.exec(`DROP TRIGGER h6_refuse`)
	} else {
		e.pgExec(func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, `DROP TRIGGER h6_refuse ON webhook_deliveries; DROP FUNCTION h6_refuse()`)
			return err
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for left() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries of the deleted endpoint still there 30 s after they could be deleted", left())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
