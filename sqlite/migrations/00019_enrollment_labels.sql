-- +goose Up
-- tag, manufacturerSlug and groupId filters test a token in labels on the
-- list indexes' entries before they read a row's document (labels.go):
-- a count reads the index and its matches' documents instead of every
-- document in scope (0.2-2 s instead of 3-10 s at a million enrollments,
-- docs/benchmarks.md session 15). The store computes the column in Go on
-- every write (enrollmentLabels); this is the same value computed from
-- the documents (labelsOfDoc, which IntegrityCheck compares with the
-- column). At a million enrollments (2 shared cores) opening the store,
-- this migration included, took 48 s and grew the file by 2%; the
-- update rewrites every row, so the WAL grows to the table's size.
ALTER TABLE enrollments ADD COLUMN labels TEXT;

DROP INDEX enrollments_instance_status_created;
DROP INDEX enrollments_instance_created;
DROP INDEX enrollments_instance_updated;
DROP INDEX enrollments_instance_last_name;
DROP INDEX enrollments_created;
DROP INDEX enrollments_updated;

UPDATE enrollments SET labels = (SELECT CASE WHEN length(CAST(l AS BLOB)) > 512 THEN NULL ELSE l END FROM (
	SELECT CASE WHEN count(*) = 0 THEN '' ELSE char(31) || group_concat(k || value, char(31) ORDER BY o, key) || char(31) END AS l FROM (
		SELECT 0 AS o, 't:' AS k, key, value FROM json_each(enrollments.doc, '$.tags')
		UNION ALL SELECT 1, 'm:', key, value FROM json_each(enrollments.doc, '$.manufacturerSlugs')
		UNION ALL SELECT 2, 'g:', key, value FROM json_each(enrollments.doc, '$.groupIds'))));

CREATE INDEX enrollments_instance_status_created ON enrollments (workspace_id, instance_id, status, created_at, id, labels);
CREATE INDEX enrollments_instance_created ON enrollments (workspace_id, instance_id, created_at, id, labels);
CREATE INDEX enrollments_instance_updated ON enrollments (workspace_id, instance_id, updated_at, id, labels);
CREATE INDEX enrollments_instance_last_name ON enrollments (workspace_id, instance_id, last_name, id, labels);
CREATE INDEX enrollments_created ON enrollments (workspace_id, created_at, id, labels);
CREATE INDEX enrollments_updated ON enrollments (workspace_id, updated_at, id, labels);

-- +goose Down
DROP INDEX enrollments_instance_status_created;
DROP INDEX enrollments_instance_created;
DROP INDEX enrollments_instance_updated;
DROP INDEX enrollments_instance_last_name;
DROP INDEX enrollments_created;
DROP INDEX enrollments_updated;
CREATE INDEX enrollments_instance_status_created ON enrollments (workspace_id, instance_id, status, created_at, id);
CREATE INDEX enrollments_instance_created ON enrollments (workspace_id, instance_id, created_at, id);
CREATE INDEX enrollments_instance_updated ON enrollments (workspace_id, instance_id, updated_at, id);
CREATE INDEX enrollments_instance_last_name ON enrollments (workspace_id, instance_id, last_name, id);
CREATE INDEX enrollments_created ON enrollments (workspace_id, created_at, id);
CREATE INDEX enrollments_updated ON enrollments (workspace_id, updated_at, id);
ALTER TABLE enrollments DROP COLUMN labels;
