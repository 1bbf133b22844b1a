-- The shop's default tables as the models made them when migrations began
-- (generated once from create_statements for sqlite, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS "product" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(100) NOT NULL, "price" REAL NOT NULL CHECK (price >= 0), "stock" INTEGER NOT NULL CHECK (stock >= 0), "category" VARCHAR(50) NOT NULL);
CREATE INDEX IF NOT EXISTS "ix_product_category" ON "product" ("category");

-- migrate:down
DROP TABLE IF EXISTS "product";
