package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestAfterExpiredSeeksFromCursor checks that a poll's look for events
// the retention deleted past its cursor (afterExpiredQuery) seeks each
// type's range of event_counts_expired from the cursor, not from 0 (the
// partial index's own condition, expired_seq > 0), which read every swept
// key of the type and tested each against the cursor: at 2,000 instances
// × 10 types swept, about 2 ms a poll of a poller up to date, for an
// answer of no rows. It reads the bytecode: the seek's last key field
// must be the cursor's parameter, not the constant 0. Its cost is
// measured by BenchmarkAfterExpired (afterexpired_bench_test.go), not timed here, and the look's
// answers are checked on 20,000 swept keys.
func TestAfterExpiredSeeksFromCursor(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	ws := s.a.WorkspaceID
	for _, f := range []enroll.EventFilter{
		{},
		{Types: []enroll.EventType{enroll.EventEnrollmentDeleted}},
		{ObjectID: "x", Types: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentDeleted}},
	} {
		q, args := afterExpiredQuery(ws, f, 5)
		if op := seekBoundOp(t, s.db, q, args); op != "Variable" {
			t.Errorf("%+v: the seek into event_counts_expired starts from a key field set by %s, not from the cursor:\n%s", f, op, q)
		}
	}
	// Every key of 2,000 instances swept once, positions 1,001 to 21,000.
	err := s.db.write(ctx, func(tx *Tx) error {
		seq := int64(1000)
		for i := range 2000 {
			for _, typ := range enroll.EventTypes {
				seq++
				if _, err := tx.exec(`INSERT INTO event_counts (workspace_id, instance_id, type, n, expired_seq) VALUES (?, ?, ?, 1, ?)`,
					ws, fmt.Sprintf("inst%04d", i), typ, seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Up to date: a cursor past every position swept.
	if expired, err := afterExpired(ctx, s.db.r, ws, enroll.EventFilter{}, 30000); err != nil || expired {
		t.Errorf("a cursor past every position swept: expired %v, %v", expired, err)
	}
	if expired, err := afterExpired(ctx, s.db.r, ws, enroll.EventFilter{}, 20999); err != nil || !expired {
		t.Errorf("a cursor before the last position swept: expired %v, %v", expired, err)
	}
}

// seekBoundOp returns the opcode that sets the last key field of the
// SeekGT of query's bytecode (EXPLAIN): Variable for a parameter, Integer
// for a constant.
func seekBoundOp(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	type op struct {
		code       string
		p1, p2, p3 int64
		p4         any
	}
	var ops []op
	for rows.Next() {
		var o op
		var addr, p5 int64
		var comment any
		if err := rows.Scan(&addr, &o.code, &o.p1, &o.p2, &o.p3, &o.p4, &p5, &comment); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, o := range ops {
		if o.code != "SeekGT" {
			continue
		}
		fields, err := strconv.ParseInt(fmt.Sprint(o.p4), 10, 64)
		if err != nil {
			t.Fatalf("SeekGT's P4 %v: %v", o.p4, err)
		}
		reg := o.p3 + fields - 1
		for j := i - 1; j >= 0; j-- {
			switch ops[j].code {
			case "Integer", "Variable", "SCopy", "Copy", "Int64":
				if ops[j].p2 == reg {
					return ops[j].code
				}
			}
		}
		return "nothing"
	}
	return "no SeekGT"
}
