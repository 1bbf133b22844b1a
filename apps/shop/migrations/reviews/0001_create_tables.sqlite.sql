-- The shop's reviews tables as the models made them when migrations began
-- (generated once from create_statements for sqlite, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS "review" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "product_id" INTEGER NOT NULL, "user_id" INTEGER NOT NULL, "rating" INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5), "comment" TEXT NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'));
CREATE INDEX IF NOT EXISTS "ix_review_product_id" ON "review" ("product_id");

-- migrate:down
DROP TABLE IF EXISTS "review";
