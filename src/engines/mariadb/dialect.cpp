// The MariaDB flavour of SQL.
#include <algorithm>
#include <string>

#include "engines/mariadb/catalogue.hpp"
#include "engines/mariadb/factory.hpp"
#include "engines/mariadb/replication.hpp"

namespace manydb::engines::mariadb {

namespace {

class MariadbDialect final : public Dialect {
 public:
  Backend backend() const override { return Backend::mariadb; }
  std::string_view name() const override { return "mariadb"; }
  std::string placeholder(std::size_t) const override { return "?"; }

  std::string type_name(ValueType type, std::size_t length) const override {
    switch (type) {
      case ValueType::boolean: return "BOOLEAN";
      case ValueType::int64: return "BIGINT";
      case ValueType::real: return "DOUBLE";
      case ValueType::text: return length > 0 ? "VARCHAR(" + std::to_string(length) + ")" : "TEXT";
      case ValueType::blob: return "LONGBLOB";
      case ValueType::timestamp: return "DATETIME(6)";
      case ValueType::null: break;
    }
    return "TEXT";
  }

  std::string_view autoincrement_primary_key() const override {
    return "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
  }
  bool supports_for_update() const override { return true; }
  bool prepares() const override { return true; }
  const Replication* replication() const override { return &mariadb::replication(); }
  bool branch_declared_at_begin() const override { return true; }
  // MariaDB has INSERT ... RETURNING (10.5) but no UPDATE ... RETURNING.
  bool supports_update_returning() const override { return false; }
  std::string_view lock_for_share() const override { return " LOCK IN SHARE MODE"; }
  std::string_view read_committed_next_transaction() const override {
    return "SET TRANSACTION ISOLATION LEVEL READ COMMITTED";
  }
  std::string bulk_copy_settings(std::int64_t wait_ms) const override {
    return "SET SESSION innodb_lock_wait_timeout = " +
           std::to_string((std::max<std::int64_t>(wait_ms, 0) + 999) / 1000) +
           ", SESSION tx_isolation = 'READ-COMMITTED'";
  }
  std::string restore_bulk_copy_settings() const override {
    return "SET SESSION innodb_lock_wait_timeout = DEFAULT, SESSION tx_isolation = DEFAULT";
  }
  std::string skip_existing_keys(std::string_view quoted_key) const override {
    return " ON DUPLICATE KEY UPDATE " + std::string(quoted_key) + " = " + std::string(quoted_key);
  }
  // InnoDB keeps the larger of this and max(key) + 1.
  std::vector<std::string> raise_key_sequence(std::string_view table, std::string_view,
                                              std::int64_t floor) const override {
    return {"ALTER TABLE " + quote_identifier(table) +
            " AUTO_INCREMENT = " + std::to_string(floor + 1)};
  }
  std::string begin_statement(TxMode mode) const override {
    return mode == TxMode::read ? "START TRANSACTION READ ONLY" : "START TRANSACTION";
  }

  std::string_view utc_now_default() const override { return "(UTC_TIMESTAMP(6))"; }
  // Binary collation: text compares and is unique the same way as on SQLite and PostgreSQL.
  std::string_view table_options() const override {
    return " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  }
  std::string_view insert_default_values() const override { return " () VALUES ()"; }
  // AVG of an integer is DECIMAL there.
  std::string_view average_cast_type() const override { return "DOUBLE"; }
  std::string_view unlimited() const override { return "18446744073709551615"; }
  std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) const override {
    return mariadb::read_catalogue(query);
  }
  CatalogueType classify_type(std::string_view type) const override {
    return mariadb::classify_type(type);
  }

 protected:
  char identifier_quote() const override { return '`'; }
  bool backslash_escapes() const override { return true; }
};

}  // namespace

const Dialect& dialect() {
  static const MariadbDialect instance;
  return instance;
}

}  // namespace manydb::engines::mariadb
