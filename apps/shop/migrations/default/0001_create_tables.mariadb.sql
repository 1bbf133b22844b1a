-- The shop's default tables as the models made them when migrations began
-- (generated once from create_statements for mariadb, then frozen: a model
-- change is a new step).
-- migrate:up
CREATE TABLE IF NOT EXISTS `product` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` VARCHAR(100) NOT NULL, `price` DOUBLE NOT NULL CHECK (price >= 0), `stock` BIGINT NOT NULL CHECK (stock >= 0), `category` VARCHAR(50) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX IF NOT EXISTS `ix_product_category` ON `product` (`category`);

-- migrate:down
DROP TABLE IF EXISTS `product`;
