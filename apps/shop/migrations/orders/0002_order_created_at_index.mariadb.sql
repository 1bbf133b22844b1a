-- Orders by time, for the reports that count orders per day: see
-- 0002_order_created_at_index.sql, of which this is the MariaDB variant.
-- migrate:up
CREATE INDEX `ix_order_created_at` ON `order` (`created_at`);

-- migrate:down
DROP INDEX `ix_order_created_at` ON `order`;
