-- The shop's users tables as the models made them when migrations began
-- (generated once from create_statements for sqlite, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS "user" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "username" VARCHAR(80) NOT NULL UNIQUE, "email" VARCHAR(120) NOT NULL UNIQUE, "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'));

-- migrate:down
DROP TABLE IF EXISTS "user";
