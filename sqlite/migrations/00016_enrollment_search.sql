-- +goose Up
-- q (a prefix of the lower-cased first name, last name, email or reference
-- id) reads these with the last-name and email indexes, as four ranges
-- (enrollment_search.go), instead of reading every enrollment in its
-- scope: 5.7 s at a million enrollments, docs/benchmarks.md session 14.
-- first_name is stored lower-cased like last_name; the reference id is
-- stored as given, and q matched it as SQLite's LIKE does, folding ASCII
-- only, which is what SQLite's lower() does. Building both on a live
-- database holds the writer while it reads the table: at a million
-- enrollments (the audit's file, 2 shared cores) opening the store,
-- migration included, took 4.3 s. Each insert writes two more index
-- entries: the import measured within its noise (docs/benchmarks.md).
CREATE INDEX enrollments_instance_first_name ON enrollments (workspace_id, instance_id, first_name);
CREATE INDEX enrollments_reference_lower ON enrollments (workspace_id, lower(reference_id)) WHERE reference_id <> '';

-- +goose Down
DROP INDEX enrollments_reference_lower;
DROP INDEX enrollments_instance_first_name;
