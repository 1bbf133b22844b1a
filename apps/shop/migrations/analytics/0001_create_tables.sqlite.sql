-- The shop's analytics tables as the models made them when migrations began
-- (generated once from create_statements for sqlite, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS "page_view" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "page" VARCHAR(200) NOT NULL, "user_id" INTEGER, "timestamp" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'), "ip_address" VARCHAR(50), "event_id" INTEGER UNIQUE);
CREATE INDEX IF NOT EXISTS "ix_page_view_time" ON "page_view" ("timestamp");
CREATE INDEX IF NOT EXISTS "ix_page_view_page_time" ON "page_view" ("page", "timestamp");

-- migrate:down
DROP TABLE IF EXISTS "page_view";
