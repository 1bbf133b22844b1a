-- The shop's orders tables as the models made them when migrations began
-- (generated once from create_statements for sqlite, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS "order" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "user_id" INTEGER NOT NULL, "total_amount" REAL NOT NULL, "status" VARCHAR(20) NOT NULL DEFAULT 'pending', "created_at" TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'));
CREATE INDEX IF NOT EXISTS "ix_order_user_id" ON "order" ("user_id");
CREATE TABLE IF NOT EXISTS "order_item" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "order_id" INTEGER NOT NULL, "product_id" INTEGER NOT NULL, "quantity" INTEGER NOT NULL CHECK (quantity > 0), "price" REAL NOT NULL, FOREIGN KEY ("order_id") REFERENCES "order" ("id"));
CREATE INDEX IF NOT EXISTS "ix_order_item_order_id" ON "order_item" ("order_id");

-- migrate:down
DROP TABLE IF EXISTS "order_item";
DROP TABLE IF EXISTS "order";
