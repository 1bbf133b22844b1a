-- Orders by time, for the reports that count orders per day (a range of created_at): without
-- it they read every order. Written after the tables were live: `shop migrate up` adds it to
-- a database that already serves. IF NOT EXISTS: a database whose tables create-all (or
-- `shop seed`) made from the models already has it. SQLite and PostgreSQL; MariaDB has its own
-- variant (0002_order_created_at_index.mariadb.sql), which quotes with backticks.
-- migrate:up
CREATE INDEX IF NOT EXISTS "ix_order_created_at" ON "order" ("created_at");

-- migrate:down
DROP INDEX IF EXISTS "ix_order_created_at";
