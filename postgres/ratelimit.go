package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/enrollhq/enroll"
)

// rateUsageChannel carries the rate limit usage servers publish.
const rateUsageChannel = "enroll_rate_usage"

// maxUsagePayload bounds a notification's payload, under PostgreSQL's
// 8,000 bytes: a publication of more keys is split.
const maxUsagePayload = 7000

// rateUsage is a notification's payload: who published, and each key's
// admitted requests.
type rateUsage struct {
	Origin string         `json:"o"`
	Used   map[string]int `json:"u"`
}

var _ enroll.RateUsageExchange = (*DB)(nil)

// PublishRateUsage implements enroll.RateUsageExchange with NOTIFY, in one
// statement however many notifications the usage takes.
func (db *DB) PublishRateUsage(ctx context.Context, origin string, used map[string]int) error {
	if len(used) == 0 {
		return nil
	}
	var payloads []string
	chunk := rateUsage{Origin: origin, Used: map[string]int{}}
	size := len(origin) + 16
	flush := func() error {
		b, err := json.Marshal(chunk)
		if err != nil {
			return err
		}
		payloads = append(payloads, string(b))
		chunk.Used, size = map[string]int{}, len(origin)+16
		return nil
	}
	for id, n := range used {
		// A member costs its quoted id, a colon, up to 20 digits, a comma.
		if cost := len(id) + 24; size+cost > maxUsagePayload && len(chunk.Used) > 0 {
			if err := flush(); err != nil {
				return fmt.Errorf("postgres: publish rate usage: %w", err)
			}
		}
		chunk.Used[id] = n
		size += len(id) + 24
	}
	if err := flush(); err != nil {
		return fmt.Errorf("postgres: publish rate usage: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, rateUsageChannel, payloads); err != nil {
		return fmt.Errorf("postgres: publish rate usage: %w", err)
	}
	return nil
}

// WatchRateUsage implements enroll.RateUsageExchange with LISTEN. A
// payload it cannot read (not one a server published) is ignored.
func (db *DB) WatchRateUsage(ctx context.Context, origin string, ready func(), used func(map[string]int)) error {
	return db.listen(ctx, rateUsageChannel, ready, func(payload string) {
		var u rateUsage
		if json.Unmarshal([]byte(payload), &u) != nil || u.Origin == origin || len(u.Used) == 0 {
			return
		}
		used(u.Used)
	})
}
