package postgres

import (
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
)

// eventArm is the condition, with ? for each argument, of one range of a
// list by instance: the events of one instance, or of none, of f's types,
// within the list's bounds.
type eventArm struct {
	cond string
	args []any
}

// instanceArms returns the ranges a key limited to f.InstanceIDs reads its
// events from: one per instance and one for the events of no instance
// (programs'), which every key sees, each under bound (with bargs).
// Walking the workspace's events instead, skipping other instances',
// costs a quiet instance's list every event of the busy ones.
func instanceArms(wsID string, f enroll.EventFilter, bound string, bargs ...any) []eventArm {
	var typ string
	var targ any
	switch len(f.Types) {
	case 0:
	case 1:
		typ, targ = " AND type = ?", string(f.Types[0])
	default:
		ss := make([]string, len(f.Types))
		for i, t := range f.Types {
			ss[i] = string(t)
		}
		typ, targ = " AND type = ANY(?)", ss
	}
	// A key's list may name an instance twice; its range is read once.
	ids := slices.Clone(f.InstanceIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	arms := make([]eventArm, 0, len(ids)+1)
	for i := -1; i < len(ids); i++ {
		a := eventArm{cond: "workspace_id = ? AND instance_id IS NULL", args: []any{wsID}}
		if i >= 0 {
			a.cond = "workspace_id = ? AND instance_id = ?"
			a.args = append(a.args, ids[i])
		}
		if typ != "" {
			a.cond += typ
			a.args = append(a.args, targ)
		}
		if bound != "" {
			a.cond += " AND " + bound
			a.args = append(a.args, bargs...)
		}
		arms = append(arms, a)
	}
	return arms
}

// addInstanceSeqs adds to w "col = ANY(ARRAY(...))": the first limit
// values of col (seq, or dispatch_seq) of each arm, in col's order
// (descending when desc), read from the arm's range of events_instance
// or events_instance_dispatch (migration 11), or of events_type when the
// planner finds the types rarer. The page is then the first of these in
// the same order: each of its events is among the first limit of its own
// arm. An array, not IN (subquery), keeps the outer query a look-up by
// col rather than a walk of the workspace's events checking each.
func addInstanceSeqs(w *where, arms []eventArm, col string, desc bool, limit int) {
	dir := ""
	if desc {
		dir = " DESC"
	}
	sel := make([]string, len(arms))
	var args []any
	for i, a := range arms {
		sel[i] = "(SELECT " + col + " FROM events WHERE " + a.cond + " ORDER BY " + col + dir + " LIMIT ?)"
		args = append(append(args, a.args...), limit)
	}
	w.add(col+" = ANY(ARRAY("+strings.Join(sel, " UNION ALL ")+"))", args...)
}

// sqlText is a statement, numbered ($1, $2, ...), and its arguments.
type sqlText struct {
	text string
	args []any
}

// countArms returns the statement that counts the events of arms: the sum
// of their ranges' counts.
func countArms(arms []eventArm) sqlText {
	sel := make([]string, len(arms))
	var args []any
	for i, a := range arms {
		sel[i] = "(SELECT COUNT(*) FROM events WHERE " + a.cond + ")"
		args = append(args, a.args...)
	}
	var w where
	w.add("SELECT "+strings.Join(sel, " + "), args...)
	return sqlText{w.conds[0], w.args}
}
