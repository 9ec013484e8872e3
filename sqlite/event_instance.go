package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
)

// eventArm is one index range of a list by instance: the events of one
// instance, or of none, of f's types, within the list's bounds.
type eventArm struct {
	index string
	w     where
}

// instanceArms returns the ranges a key limited to f.InstanceIDs reads its
// events from: one per instance and one for the events of no instance
// (programs'), which every key sees, each under bound. Each reads
// events_instance (migration 11), in seq order, unless f's types have
// fewer events in the whole workspace than the arm's instance has in all,
// by the counters (migration 10): it then reads events_type, the shorter
// walk. Walking the workspace's events instead, skipping other instances',
// costs a quiet instance's list every event of the busy ones.
func instanceArms(ctx context.Context, q querier, wsID string, f enroll.EventFilter, bound where) ([]eventArm, error) {
	// A key's list may name an instance twice; its range is read once.
	ids := slices.Clone(f.InstanceIDs)
	slices.Sort(ids)
	scopes := append([]string{""}, slices.Compact(ids)...)
	byType, err := typeIndexScopes(ctx, q, wsID, f.Types, scopes)
	if err != nil {
		return nil, err
	}
	arms := make([]eventArm, len(scopes))
	for i, s := range scopes {
		a := &arms[i]
		a.index = "events_instance"
		if byType[s] {
			a.index = "events_type"
		}
		a.w.add("workspace_id = ?", wsID)
		if s == "" {
			a.w.add("instance_id IS NULL")
		} else {
			a.w.add("instance_id = ?", s)
		}
		in(&a.w, "type", f.Types)
		a.w.conds = append(a.w.conds, bound.conds...)
		a.w.args = append(a.w.args, bound.args...)
	}
	return arms, nil
}

// typeIndexScopes returns the scopes (instance ids, "" for none) with more
// events than types have in workspace wsID, by the counters; nil without
// types.
func typeIndexScopes(ctx context.Context, q querier, wsID string, types []enroll.EventType, scopes []string) (map[string]bool, error) {
	if len(types) == 0 {
		return nil, nil
	}
	var typed where
	in(&typed, "type", types)
	rows, err := q.QueryContext(ctx, `SELECT instance_id, SUM(n), SUM(CASE WHEN `+typed.sql()+` THEN n ELSE 0 END)
		FROM event_counts WHERE workspace_id = ? GROUP BY instance_id`, append(typed.args, wsID)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count events: %w", err)
	}
	defer rows.Close()
	all := map[string]int{}
	ofTypes := 0
	for rows.Next() {
		var (
			inst   string
			n, nof int
		)
		if err := rows.Scan(&inst, &n, &nof); err != nil {
			return nil, fmt.Errorf("sqlite: count events: %w", err)
		}
		all[inst] = n
		ofTypes += nof
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count events: %w", err)
	}
	out := map[string]bool{}
	for _, s := range scopes {
		out[s] = ofTypes < all[s]
	}
	return out, nil
}

// addInstanceSeqs adds to w "seq IN (...)": the seqs of the first limit
// events of each arm, in seq order (descending when desc). The page is
// then the first of these in the same order: every event of the page is
// among the first limit of its own arm.
func addInstanceSeqs(w *where, arms []eventArm, desc bool, limit int) {
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	sel := make([]string, len(arms))
	var args []any
	for i, a := range arms {
		// A compound SELECT allows LIMIT only on its last part: each arm
		// is a subquery of its own.
		sel[i] = "SELECT seq FROM (SELECT seq FROM events INDEXED BY " + a.index + " WHERE " + a.w.sql() +
			" ORDER BY seq " + dir + " LIMIT ?)"
		args = append(append(args, a.w.args...), limit)
	}
	w.add("seq IN ("+strings.Join(sel, " UNION ALL ")+")", args...)
}

// countArms counts the events of arms: the sum of their ranges' counts.
func countArms(ctx context.Context, q querier, arms []eventArm) (int, error) {
	sel := make([]string, len(arms))
	var args []any
	for i, a := range arms {
		sel[i] = "(SELECT COUNT(*) FROM events INDEXED BY " + a.index + " WHERE " + a.w.sql() + ")"
		args = append(args, a.w.args...)
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(sel, " + "), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	return n, nil
}
