-- +goose Up
-- Enrollments by instance, label (kind 't' tag, 'm' manufacturer slug,
-- 'g' group id; value) and status, kept in the transaction of every
-- enrollment write (labelcount.go): the total of a list filtered by one
-- label, and by scope and status only otherwise, is a sum of a few of
-- these rows instead of a count of its matches (docs/benchmarks.md
-- session 23). Like enrollment_counts, not sharded: every write that
-- changes a label counter but a change of labels alone changes a status
-- counter of the same instance too, whose row lock it holds to the
-- commit, so the label rows add no wait of their own. The instance
-- follows the workspace in the key, as the foreign key's columns, so
-- that deleting an instance finds its rows; a workspace's count reads
-- its instances' ranges. A value an enrollment's list holds twice counts
-- once (UNION), as its filter matches once. Rows at 0 stay.
CREATE TABLE enrollment_label_counts (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    status       TEXT NOT NULL,
    n            BIGINT NOT NULL,
    CONSTRAINT enrollment_label_counts_pkey PRIMARY KEY (workspace_id, instance_id, kind, value, status),
    CONSTRAINT enrollment_label_counts_instance_fkey FOREIGN KEY (workspace_id, instance_id)
        REFERENCES program_instances (workspace_id, id) ON DELETE CASCADE
);
INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, n)
    SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, COUNT(*) FROM enrollments e CROSS JOIN LATERAL (
        SELECT 't', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'tags') WHEN 'array' THEN e.doc->'tags' END) v
        UNION SELECT 'm', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'manufacturerSlugs') WHEN 'array' THEN e.doc->'manufacturerSlugs' END) v
        UNION SELECT 'g', v FROM jsonb_array_elements_text(CASE jsonb_typeof(e.doc->'groupIds') WHEN 'array' THEN e.doc->'groupIds' END) v) l (kind, value)
    GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TABLE enrollment_label_counts;
