package postgres

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
)

// enrollment_label_counts (migration 26) counts the enrollments of each
// instance by label (enroll.Label: kind and value) and status, so that a
// list filtered by one tag, manufacturer slug or group id, and otherwise
// by scope and status only (EnrollmentFilter.CountedLabel), takes its
// total from a few rows instead of counting its matches (a second and
// more at a million enrollments for a common tag, docs/benchmarks.md).
// Triggers on enrollments keep them, in 16 shards a counter, so that
// every writer does, a replica of the previous release during a rolling
// deploy included (the migration says why and how); this file only reads
// them, summing the shards. IntegrityCheck compares them with the
// enrollments.

// countLabelled returns the total of f, whose one label is l
// (CountedLabel), from the label counters' shards: those of f's instances, or of
// each of the workspace's (an index range each), and of f's statuses (all
// when none).
func countLabelled(ctx context.Context, q querier, wsID string, f enroll.EnrollmentFilter, l enroll.Label) (int, error) {
	var cw where
	cw.add("workspace_id = ?", wsID)
	switch {
	case f.ProgramInstanceID != "":
		cw.add("instance_id = ?", f.ProgramInstanceID)
		in(&cw, "instance_id", f.ProgramInstanceIDs)
	case len(f.ProgramInstanceIDs) > 0:
		in(&cw, "instance_id", f.ProgramInstanceIDs)
	default:
		cw.add("instance_id = ANY(ARRAY(SELECT id FROM program_instances WHERE workspace_id = ?))", wsID)
	}
	cw.add("kind = ?", string(l.Kind))
	cw.add("value = ?", l.Value)
	in(&cw, "status", f.Statuses)
	var n int
	if err := q.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0)::bigint FROM enrollment_label_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count labelled enrollments: %w", err)
	}
	return n, nil
}

// labelsOf is the labels of the enrollments row e, each value of a kind
// once (UNION), as migration 26's enrollment_labels: for IntegrityCheck,
// which so checks the triggers against a text of its own.
const labelsOf = `(
	SELECT 't', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'tags') WHEN 'array' THEN e.doc->'tags' END) v
	UNION SELECT 'm', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'manufacturerSlugs') WHEN 'array' THEN e.doc->'manufacturerSlugs' END) v
	UNION SELECT 'g', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'groupIds') WHEN 'array' THEN e.doc->'groupIds' END) v) l (kind, value)`
