-- +goose Up
-- Enrollments by instance, label (kind 't' tag, 'm' manufacturer slug,
-- 'g' group id; value) and status, kept in the transaction of every
-- enrollment write (labelcount.go): the total of a list filtered by one
-- label, and by scope and status only otherwise, is a sum of a few of
-- these rows instead of a count of its matches (0.2-1.9 s at a million
-- enrollments, docs/benchmarks.md sessions 15 and 23). The instance leads
-- the key, as in enrollment_counts, so that deleting an instance finds its
-- rows; a workspace's count reads its instances' ranges. A value an
-- enrollment's list holds twice counts once (UNION, per enrollment id), as its filter matches
-- once. Rows that fall to 0 stay, as enrollment_counts' do.
CREATE TABLE enrollment_label_counts (
    instance_id  TEXT NOT NULL REFERENCES program_instances (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    status       TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (instance_id, kind, value, status)
) WITHOUT ROWID;
INSERT INTO enrollment_label_counts (instance_id, kind, value, status, workspace_id, n)
    SELECT instance_id, kind, value, status, workspace_id, COUNT(*) FROM (
        SELECT e.id, e.instance_id, 't' AS kind, j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.tags') j
        UNION SELECT e.id, e.instance_id, 'm', j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.manufacturerSlugs') j
        UNION SELECT e.id, e.instance_id, 'g', j.value, e.status, e.workspace_id FROM enrollments e, json_each(e.doc, '$.groupIds') j)
    GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TABLE enrollment_label_counts;
