#include "engines/sqlite/catalogue.hpp"
#include "engines/sqlite/factory.hpp"

namespace manydb::engines::sqlite {

namespace {
class SqliteDialect final : public Dialect {
 public:
  Backend backend() const override { return Backend::sqlite; }
  std::string_view name() const override { return "sqlite"; }
  std::string placeholder(std::size_t) const override { return "?"; }
  std::string type_name(ValueType type, std::size_t length) const override {
    switch (type) {
      case ValueType::boolean: return "BOOLEAN";
      case ValueType::int64: return "INTEGER";
      case ValueType::real: return "REAL";
      case ValueType::text: return length ? "VARCHAR(" + std::to_string(length) + ")" : "TEXT";
      case ValueType::blob: return "BLOB";
      case ValueType::timestamp: return "TIMESTAMP";
      case ValueType::null: break;
    }
    return "BLOB";
  }
  // INTEGER PRIMARY KEY is the rowid; AUTOINCREMENT keeps deleted keys from being reused.
  std::string_view autoincrement_primary_key() const override {
    return "INTEGER PRIMARY KEY AUTOINCREMENT";
  }
  bool supports_for_update() const override { return false; }
  // AUTOINCREMENT keys come from sqlite_sequence, which keeps the largest key ever given.
  std::vector<std::string> raise_key_sequence(std::string_view table, std::string_view,
                                              std::int64_t floor) const override {
    const std::string name = quote_literal(table), at = std::to_string(floor);
    return {"UPDATE sqlite_sequence SET seq = max(seq, " + at + ") WHERE name = " + name,
            "INSERT INTO sqlite_sequence (name, seq) SELECT " + name + ", " + at +
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = " + name + ")"};
  }
  std::string begin_statement(TxMode mode) const override {
    return mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
  }

  std::string_view utc_now_default() const override {
    // %f has milliseconds; padded to the six decimals manydb writes, or a timestamp read back
    // and bound as a parameter would not equal the text stored.
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')";
  }
  std::string_view unlimited() const override { return "-1"; }
  bool runs_in_process() const override { return true; }
  bool begin_blocks_writers() const override { return true; }
  std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) const override {
    return sqlite::read_catalogue(query);
  }
  CatalogueType classify_type(std::string_view type) const override {
    return sqlite::classify_type(type);
  }

 protected:
  char identifier_quote() const override { return '"'; }
};
}  // namespace

const Dialect& dialect() {
  static const SqliteDialect instance;
  return instance;
}

}  // namespace manydb::engines::sqlite
