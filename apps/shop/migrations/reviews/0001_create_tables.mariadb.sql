-- The shop's reviews tables as the models made them when migrations began
-- (generated once from create_statements for mariadb, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS `review` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `product_id` BIGINT NOT NULL, `user_id` BIGINT NOT NULL, `rating` BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5), `comment` TEXT NOT NULL, `created_at` DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS `ix_review_product_id` ON `review` (`product_id`);

-- migrate:down
DROP TABLE IF EXISTS `review`;
