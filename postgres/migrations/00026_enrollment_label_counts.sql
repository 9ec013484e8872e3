-- +goose Up
-- Enrollments by instance, label (kind 't' tag, 'm' manufacturer slug,
-- 'g' group id; value) and status: the total of a list filtered by one
-- label, and by scope and status only otherwise, is a sum of a few of
-- these rows instead of a count of its matches (docs/benchmarks.md
-- session 23; labelcount.go reads them).
--
-- Kept by statement triggers on enrollments, as customer_counts
-- (migration 17), not by the store's writes: several replicas share one
-- database, and during a rolling deploy the previous release's keep
-- writing enrollments without knowing of this table; a trigger counts
-- every writer's rows, the import's COPY and plain SQL included. Per
-- statement, with the rows it wrote (transition tables), aggregated so
-- that a statement writes each counter once, an import's batch included;
-- an update writes only the counters its rows' labels or status moved.
--
-- Each counter has 16 shards, one per backend (pg_backend_pid() % 16),
-- which a count sums: the trigger locks its rows at the statement, not at
-- the commit as the store's enrollment_counts, so concurrent writers of a
-- common tag would otherwise queue behind one another's whole
-- transaction. Two transactions wait on a label row only when their
-- backends share a shard. Locks and deadlocks: a statement locks its
-- counters in key order, so two statements cannot deadlock on them. A
-- transaction locks its label rows before the enrollment_counts rows it
-- changes at its commit (flushCounts), except an approval in an instance
-- with a capacity, which locks its status counters (checkCapacity) before
-- the enrollment's update. So a deadlock needs an approval and, at once,
-- a change that takes an enrollment of the same instance, label and
-- status out of approved (or out of the status the approval leaves), on
-- two backends of the same shard, the second between its update and its
-- commit (a few milliseconds): rare, and the store runs a deadlock again
-- (db.go) at the cost of deadlock_timeout. A transaction of several
-- statements, an import's batch (its runs of creates, its updates one
-- row at a time), locks counters at each, so it can deadlock the same
-- way with another that meets the same counters of the same shard in
-- another order; the batch is then run again.
--
-- The instance follows the workspace in the key, as the foreign key's
-- columns, so that deleting an instance finds its rows; a workspace's
-- count reads its instances' ranges. A value an enrollment's list holds
-- twice counts once (UNION), as its filter matches once. Rows at 0 stay.
-- The table is filled in the transaction that creates the triggers,
-- which holds up writes of enrollments while it counts them.
CREATE TABLE enrollment_label_counts (
    workspace_id TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    status       TEXT NOT NULL,
    shard        SMALLINT NOT NULL,
    n            BIGINT NOT NULL,
    CONSTRAINT enrollment_label_counts_pkey PRIMARY KEY (workspace_id, instance_id, kind, value, status, shard),
    CONSTRAINT enrollment_label_counts_instance_fkey FOREIGN KEY (workspace_id, instance_id)
        REFERENCES program_instances (workspace_id, id) ON DELETE CASCADE
);

-- The labels of an enrollment's document, each value of a kind once.
-- +goose StatementBegin
CREATE FUNCTION enrollment_labels(doc jsonb) RETURNS TABLE (kind text, value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 't', v FROM jsonb_array_elements_text(CASE jsonb_typeof(doc->'tags') WHEN 'array' THEN doc->'tags' END) v
    UNION SELECT 'm', v FROM jsonb_array_elements_text(CASE jsonb_typeof(doc->'manufacturerSlugs') WHEN 'array' THEN doc->'manufacturerSlugs' END) v
    UNION SELECT 'g', v FROM jsonb_array_elements_text(CASE jsonb_typeof(doc->'groupIds') WHEN 'array' THEN doc->'groupIds' END) v
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION count_enrollment_labels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, shard, n)
            SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, pg_backend_pid() % 16, COUNT(*)
                FROM new_enrollments e CROSS JOIN LATERAL enrollment_labels(e.doc) l
                GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (workspace_id, instance_id, kind, value, status, shard) DO UPDATE SET n = enrollment_label_counts.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, shard, n)
            SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, pg_backend_pid() % 16, -COUNT(*)
                FROM old_enrollments e CROSS JOIN LATERAL enrollment_labels(e.doc) l
                GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (workspace_id, instance_id, kind, value, status, shard) DO UPDATE SET n = enrollment_label_counts.n + excluded.n;
    -- An update that moves no row's labels or status, most of them,
    -- stops here, before reading the labels: its trigger then costs
    -- about 0.05 ms rather than 0.2 (one-row updates in a loop).
    ELSIF EXISTS (SELECT workspace_id, instance_id, status, doc->'tags', doc->'manufacturerSlugs', doc->'groupIds' FROM new_enrollments
            EXCEPT ALL SELECT workspace_id, instance_id, status, doc->'tags', doc->'manufacturerSlugs', doc->'groupIds' FROM old_enrollments) THEN
        INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, shard, n)
            SELECT workspace_id, instance_id, kind, value, status, pg_backend_pid() % 16, SUM(d)
                FROM (SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, -1 AS d
                        FROM old_enrollments e CROSS JOIN LATERAL enrollment_labels(e.doc) l
                    UNION ALL SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, 1
                        FROM new_enrollments e CROSS JOIN LATERAL enrollment_labels(e.doc) l) c
                GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (workspace_id, instance_id, kind, value, status, shard) DO UPDATE SET n = enrollment_label_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER enrollments_count_labels_insert AFTER INSERT ON enrollments
    REFERENCING NEW TABLE AS new_enrollments FOR EACH STATEMENT EXECUTE FUNCTION count_enrollment_labels();
CREATE TRIGGER enrollments_count_labels_update AFTER UPDATE ON enrollments
    REFERENCING OLD TABLE AS old_enrollments NEW TABLE AS new_enrollments FOR EACH STATEMENT EXECUTE FUNCTION count_enrollment_labels();
CREATE TRIGGER enrollments_count_labels_delete AFTER DELETE ON enrollments
    REFERENCING OLD TABLE AS old_enrollments FOR EACH STATEMENT EXECUTE FUNCTION count_enrollment_labels();

INSERT INTO enrollment_label_counts (workspace_id, instance_id, kind, value, status, shard, n)
    SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, 0, COUNT(*)
        FROM enrollments e CROSS JOIN LATERAL enrollment_labels(e.doc) l
        GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TRIGGER enrollments_count_labels_delete ON enrollments;
DROP TRIGGER enrollments_count_labels_update ON enrollments;
DROP TRIGGER enrollments_count_labels_insert ON enrollments;
DROP FUNCTION count_enrollment_labels();
DROP FUNCTION enrollment_labels(jsonb);
DROP TABLE enrollment_label_counts;
