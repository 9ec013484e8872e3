package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
)

// enrollment_label_counts (migration 26) counts the enrollments of each
// instance by label (enroll.Label: kind and value) and status, so that a
// list filtered by one tag, manufacturer slug or group id, and otherwise
// by scope and status only (EnrollmentFilter.CountedLabel), takes its
// total from a few rows instead of counting its matches (a second and
// more at a million enrollments for a common tag, docs/benchmarks.md).
// Every write of an enrollment row changes them in its transaction,
// beside enrollment_counts and as they are: the changes wait in tx.deltas
// (countKey with a label) and flushCounts writes them in one statement at
// the commit. A create and a delete call countLabels, an update
// moveLabels, an import's run countCreatedLabels. IntegrityCheck compares
// them with the enrollments.

// countLabels records that e's labels have delta more enrollments in
// status s.
func (tx *tx) countLabels(e *enroll.Enrollment, s enroll.Status, delta int) {
	for _, l := range e.Labels() {
		tx.countLabel(e.WorkspaceID, e.ProgramInstanceID, l, s, delta)
	}
}

// countLabel records delta for label l in status s of instance inst of
// workspace ws.
func (tx *tx) countLabel(ws, inst string, l enroll.Label, s enroll.Status, delta int) {
	if tx.deltas == nil {
		tx.deltas = map[countKey]int{}
	}
	tx.deltas[countKey{ws: ws, instance: inst, status: s, label: l}] += delta
}

// moveLabels moves e, stored in place of old, between label counters:
// the recorded changes cancel out for a label kept in the same status.
func (tx *tx) moveLabels(old, e *enroll.Enrollment) {
	if old.Eligibility.Status == e.Eligibility.Status && old.ProgramInstanceID == e.ProgramInstanceID && enroll.SameLabels(old, e) {
		return
	}
	tx.countLabels(old, old.Eligibility.Status, -1)
	tx.countLabels(e, e.Eligibility.Status, 1)
}

// countCreatedLabels records the labels of an import run's created
// enrollments, of instance inst: tx.deltas sums them, so that the flush
// writes each counter once a transaction, not once a row.
func (tx *tx) countCreatedLabels(inst *enroll.ProgramInstance, created []*enroll.ImportCreation) {
	for _, c := range created {
		for _, l := range c.Enrollment.Labels() {
			tx.countLabel(inst.WorkspaceID, inst.ID, l, c.Enrollment.Eligibility.Status, 1)
		}
	}
}

// flushLabelCounts adds the changes of keys, label counters, to
// enrollment_label_counts in one statement, in key order (see
// flushCounts). Arrays rather than a VALUES list: an import's batch may
// change more counters than a statement takes parameters.
func (tx *tx) flushLabelCounts(keys []countKey) error {
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.ws, b.ws), cmp.Compare(a.instance, b.instance), cmp.Compare(a.label.Kind, b.label.Kind),
			cmp.Compare(a.label.Value, b.label.Value), cmp.Compare(a.status, b.status))
	})
	ws, inst, kind, value, status := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys)),
		make([]string, len(keys)), make([]string, len(keys))
	n := make([]int64, len(keys))
	for i, k := range keys {
		ws[i], inst[i], kind[i], value[i], status[i], n[i] = k.ws, k.instance, string(k.label.Kind), k.label.Value, string(k.status), int64(tx.deltas[k])
	}
	_, err := tx.exec(`INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, n)
		SELECT workspace_id, instance_id, kind, value, status, n
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
			WITH ORDINALITY AS u(workspace_id, instance_id, kind, value, status, n, o) ORDER BY o
		ON CONFLICT (workspace_id, instance_id, kind, value, status) DO UPDATE SET n = enrollment_label_counts.n + excluded.n`,
		ws, inst, kind, value, status, n)
	return err
}

// countLabelled returns the total of f, whose one label is l
// (CountedLabel), from the label counters: those of f's instances, or of
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
// once (UNION), as migration 26 counts them: for IntegrityCheck.
const labelsOf = `(
	SELECT 't', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'tags') WHEN 'array' THEN e.doc->'tags' END) v
	UNION SELECT 'm', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'manufacturerSlugs') WHEN 'array' THEN e.doc->'manufacturerSlugs' END) v
	UNION SELECT 'g', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'groupIds') WHEN 'array' THEN e.doc->'groupIds' END) v) l (kind, value)`
