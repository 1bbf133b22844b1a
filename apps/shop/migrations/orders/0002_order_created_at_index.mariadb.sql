-- Orders by time, for the reports that count orders per day: see
-- 0002_order_created_at_index.sql, of which this is the MariaDB variant.
-- migrate:up
CREATE INDEX IF NOT EXISTS `ix_order_created_at` ON `order` (`created_at`);

-- migrate:down
DROP INDEX IF EXISTS `ix_order_created_at` ON `order`;
