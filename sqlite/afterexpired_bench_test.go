package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
)

// BenchmarkAfterExpired times the look of a poller up to date for events
// the retention deleted past its cursor (afterExpired), which every
// filtered poll makes. In swept-20000 the sweep has recorded a position
// for 2,000 instances × 10 types; in swept-10, the baseline of the same
// run, for one instance. A look that seeks from the cursor costs the
// same in both; one that reads each type's range from 0 grows with the
// keys swept.
func BenchmarkAfterExpired(b *testing.B) {
	for _, instances := range []int{1, 2000} {
		b.Run(fmt.Sprint("swept-", instances*len(enroll.EventTypes)), func(b *testing.B) {
			s := newImportBench(b, "OFF")
			ctx := context.Background()
			ws := s.a.WorkspaceID
			err := s.db.write(ctx, func(tx *Tx) error {
				seq := int64(1000)
				for i := range instances {
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
				b.Fatal(err)
			}
			for b.Loop() {
				if expired, err := afterExpired(ctx, s.db.r, ws, enroll.EventFilter{}, 30000); err != nil || expired {
					b.Fatal(expired, err)
				}
			}
		})
	}
}
