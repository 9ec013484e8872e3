package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
)

// enrollment_label_counts (migration 26) counts the enrollments of each
// instance by label (enroll.Label: kind and value) and status, so that a
// list filtered by one tag, manufacturer slug or group id, and otherwise
// by scope and status only (EnrollmentFilter.CountedLabel), takes its
// total from a few rows instead of counting its matches: that count reads
// an index entry of every enrollment in scope and the documents of the
// matches (0.2-1.9 s at a million enrollments, docs/benchmarks.md
// session 15). Every write of an enrollment row changes them in its
// transaction, beside enrollment_counts: a create and a delete
// (countLabels), an update (moveLabels) and an import's run
// (countCreatedLabels, once per run). IntegrityCheck compares them with
// the enrollments (labelCountsDiffer).

// upsertLabelCount adds to one counter, creating its row.
const upsertLabelCount = `INSERT INTO enrollment_label_counts (instance_id, kind, value, status, workspace_id, n) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (instance_id, kind, value, status) DO UPDATE SET n = n + excluded.n`

// countLabel adds delta to the counter of label l in status s of instance
// inst of workspace ws.
func (tx *Tx) countLabel(ws, inst string, l enroll.Label, s enroll.Status, delta int) error {
	_, err := tx.exec(upsertLabelCount, inst, string(l.Kind), l.Value, string(s), ws, delta)
	return err
}

// countLabels adds delta to the counters of e's labels in status s.
func (tx *Tx) countLabels(e *enroll.Enrollment, s enroll.Status, delta int) error {
	for _, l := range e.Labels() {
		if err := tx.countLabel(e.WorkspaceID, e.ProgramInstanceID, l, s, delta); err != nil {
			return err
		}
	}
	return nil
}

// moveLabels moves e, stored in place of old, between label counters: in
// the same status and instance only the labels that came or went change
// (an update that changes neither labels nor status writes none), else
// every label leaves old's status for e's.
func (tx *Tx) moveLabels(old, e *enroll.Enrollment) error {
	from, to := old.Eligibility.Status, e.Eligibility.Status
	if from != to || old.ProgramInstanceID != e.ProgramInstanceID {
		if err := tx.countLabels(old, from, -1); err != nil {
			return err
		}
		return tx.countLabels(e, to, 1)
	}
	if enroll.SameLabels(old, e) {
		return nil
	}
	was, now := old.Labels(), e.Labels()
	for _, c := range [...]struct {
		from, to []enroll.Label
		delta    int
	}{{was, now, -1}, {now, was, 1}} {
		for _, l := range c.from {
			if slices.Contains(c.to, l) {
				continue
			}
			if err := tx.countLabel(e.WorkspaceID, e.ProgramInstanceID, l, to, c.delta); err != nil {
				return err
			}
		}
	}
	return nil
}

// countCreatedLabels adds the labels of an import run's created
// enrollments, all of instance inst, to the counters: summed first, so
// that a run writes each counter once (a run of 5,000 rows with the same
// four labels writes four), not once a row.
func (tx *Tx) countCreatedLabels(inst *enroll.ProgramInstance, created []*enroll.ImportCreation) error {
	type key struct {
		l enroll.Label
		s enroll.Status
	}
	var keys []key
	n := map[key]int{}
	for _, c := range created {
		s := c.Enrollment.Eligibility.Status
		for _, l := range c.Enrollment.Labels() {
			k := key{l, s}
			if n[k] == 0 {
				keys = append(keys, k)
			}
			n[k]++
		}
	}
	for _, k := range keys {
		if err := tx.countLabel(inst.WorkspaceID, inst.ID, k.l, k.s, n[k]); err != nil {
			return err
		}
	}
	return nil
}

// countLabelled returns the total of f, whose one label is l
// (CountedLabel), from the label counters: those of f's instances, or of
// the workspace's, read instance by instance through the key's first
// column, and of f's statuses (all when none).
func countLabelled(ctx context.Context, q querier, wsID string, f enroll.EnrollmentFilter, l enroll.Label) (int, error) {
	var cw where
	switch {
	case f.ProgramInstanceID != "":
		cw.add("instance_id = ?", f.ProgramInstanceID)
		in(&cw, "instance_id", f.ProgramInstanceIDs)
	case len(f.ProgramInstanceIDs) > 0:
		in(&cw, "instance_id", f.ProgramInstanceIDs)
	default:
		cw.add("instance_id IN (SELECT id FROM program_instances WHERE workspace_id = ?)", wsID)
	}
	cw.add("kind = ?", string(l.Kind))
	cw.add("value = ?", l.Value)
	in(&cw, "status", f.Statuses)
	cw.add("workspace_id = ?", wsID)
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(SUM(n), 0) FROM enrollment_label_counts WHERE "+cw.sql(), cw.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count labelled enrollments: %w", err)
	}
	return n, nil
}

// labelCountsDiffer counts the label counters that differ from the
// enrollments, for IntegrityCheck: the counts of migration 26's query
// against the counters, rows at 0 as missing ones.
const labelCountsDiffer = `WITH
	counted AS (SELECT instance_id, kind, value, status, workspace_id, COUNT(*) AS n FROM (
			SELECT e.id, e.instance_id, 't' AS kind, j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.tags') j
			UNION SELECT e.id, e.instance_id, 'm', j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.manufacturerSlugs') j
			UNION SELECT e.id, e.instance_id, 'g', j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.groupIds') j)
		GROUP BY 1, 2, 3, 4, 5),
	kept AS (SELECT instance_id, kind, value, status, workspace_id, n FROM enrollment_label_counts WHERE n <> 0)
	SELECT (SELECT COUNT(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM kept))
		+ (SELECT COUNT(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM counted))`
