-- +goose Up
-- The leads a customer was made from (leads.customer_id): a create or an
-- import of the customer looks up their open enrollments in the instance,
-- which count as the customer's, so that look-up is a range of this index
-- (PostgreSQL has had leads_customer from the start).
CREATE INDEX leads_customer ON leads (workspace_id, customer_id) WHERE customer_id IS NOT NULL;

-- +goose Down
DROP INDEX leads_customer;
