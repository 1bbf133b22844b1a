-- The shop's users tables as the models made them when migrations began
-- (generated once from create_statements for mariadb, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS `user` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `username` VARCHAR(80) NOT NULL UNIQUE, `email` VARCHAR(120) NOT NULL UNIQUE, `created_at` DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- migrate:down
DROP TABLE IF EXISTS `user`;
