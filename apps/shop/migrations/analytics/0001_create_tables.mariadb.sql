-- The shop's analytics tables as the models made them when migrations began
-- (generated once from create_statements for mariadb, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS `page_view` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `page` VARCHAR(200) NOT NULL, `user_id` BIGINT, `timestamp` DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)), `ip_address` VARCHAR(50), `event_id` BIGINT UNIQUE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS `ix_page_view_time` ON `page_view` (`timestamp`);
CREATE INDEX IF NOT EXISTS `ix_page_view_page_time` ON `page_view` (`page`, `timestamp`);

-- migrate:down
DROP TABLE IF EXISTS `page_view`;
