// The MariaDB flavour of SQL.
#include "engines/mariadb/factory.hpp"

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
  // MariaDB has INSERT ... RETURNING (10.5) but no UPDATE ... RETURNING.
  bool supports_update_returning() const override { return false; }
  std::string begin_statement(TxMode mode) const override {
    return mode == TxMode::read ? "START TRANSACTION READ ONLY" : "START TRANSACTION";
  }

 protected:
  char identifier_quote() const override { return '`'; }
};

}  // namespace

const Dialect& dialect() {
  static const MariadbDialect instance;
  return instance;
}

}  // namespace manydb::engines::mariadb
