package postgres

import (
	"strings"

	"github.com/enrollhq/enroll"
)

// byInstance reports whether f's events are read instance by instance
// (addInstanceSeqs): a key limited to instances lists them, and no one
// object's events, which the object's own index finds faster.
func byInstance(f enroll.EventFilter) bool {
	return f.InstanceIDs != nil && f.ObjectID == ""
}

// addInstanceSeqs adds to w "seq = ANY(ARRAY(...))": the seqs of the first
// limit events of f, newest first (older than before, when not nil), of
// each of f's instances and of no instance (programs', which every key
// sees), each read from its own range of events_instance (migration 11),
// or of events_type when the planner finds f's types rarer. The page is
// then the newest of these: each of its events is among the newest limit
// of its own instance. Walking the workspace's events instead, skipping
// other instances', costs a quiet instance's list every event of the busy
// ones. An array, not IN (subquery), keeps the outer query a look-up by
// seq rather than a walk of the workspace's events checking each.
func addInstanceSeqs(w *where, wsID string, f enroll.EventFilter, before *int64, limit int) {
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
	scopes := append([]*string{nil}, make([]*string, len(f.InstanceIDs))...)
	for i := range f.InstanceIDs {
		scopes[i+1] = &f.InstanceIDs[i]
	}
	arms := make([]string, len(scopes))
	var args []any
	for i, s := range scopes {
		var b strings.Builder
		b.WriteString("(SELECT seq FROM events WHERE workspace_id = ?")
		args = append(args, wsID)
		if s == nil {
			b.WriteString(" AND instance_id IS NULL")
		} else {
			b.WriteString(" AND instance_id = ?")
			args = append(args, *s)
		}
		if typ != "" {
			b.WriteString(typ)
			args = append(args, targ)
		}
		if before != nil {
			b.WriteString(" AND seq < ?")
			args = append(args, *before)
		}
		b.WriteString(" ORDER BY seq DESC LIMIT ?)")
		args = append(args, limit)
		arms[i] = b.String()
	}
	w.add("seq = ANY(ARRAY("+strings.Join(arms, " UNION ALL ")+"))", args...)
}
