-- The shop's orders tables as the models made them when migrations began
-- (generated once from create_statements for mariadb, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS `order` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `user_id` BIGINT NOT NULL, `total_amount` DOUBLE NOT NULL, `status` VARCHAR(20) NOT NULL DEFAULT 'pending', `created_at` DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS `ix_order_user_id` ON `order` (`user_id`);
CREATE TABLE IF NOT EXISTS `order_item` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `order_id` BIGINT NOT NULL, `product_id` BIGINT NOT NULL, `quantity` BIGINT NOT NULL CHECK (quantity > 0), `price` DOUBLE NOT NULL, FOREIGN KEY (`order_id`) REFERENCES `order` (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS `ix_order_item_order_id` ON `order_item` (`order_id`);

-- migrate:down
DROP TABLE IF EXISTS `order_item`;
DROP TABLE IF EXISTS `order`;
