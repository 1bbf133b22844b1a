#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <set>

#include "manydb/core/errors.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/schema/model.hpp"

namespace manydb::schema {

const ColumnInfo* TableInfo::column(std::string_view column_name) const {
  for (const auto& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

const std::string& TableInfo::bind_or_default() const {
  static const std::string kDefault = "default";
  return bind.empty() ? kDefault : bind;
}

std::string demangled_name(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

}  // namespace manydb::schema

namespace manydb::detail {

using schema::ColumnInfo;
using schema::ColumnOptions;
using schema::IndexDef;
using schema::IndexInfo;
using schema::TableInfo;

namespace {
[[noreturn]] void mapping_error(const TableInfo& info, const std::string& what) {
  throw ConfigError("model " + info.model + " (table '" + info.name + "'): " + what);
}

void check_name(const TableInfo& info, std::string_view kind, std::string_view name) {
  try {
    validate_identifier(name);
  } catch (const ConfigError& e) {
    mapping_error(info, std::string(kind) + ": " + e.what());
  }
}

void validate_columns(TableInfo& info) {
  std::set<std::string_view> seen;
  std::size_t keys = 0;
  for (std::size_t i = 0; i < info.columns.size(); ++i) {
    auto& c = info.columns[i];
    check_name(info, "column", c.name);
    if (!seen.insert(c.name).second) {
      mapping_error(info, "two columns are named '" + c.name + "'; give each its own name");
    }
    if (c.primary_key) {
      ++keys;
      info.primary_key = i;
      c.nullable = false;
      c.autoincrement = c.autoincrement && c.type == ValueType::int64;
    } else {
      c.autoincrement = false;
    }
    if ((c.unique || c.indexed) && c.type == ValueType::text && c.length == 0) {
      mapping_error(info, "column '" + c.name +
                              "' is unique or indexed: give it varchar(n) so every engine "
                              "(MariaDB cannot index unbounded TEXT) can index it");
    }
    if (c.default_now && c.type != ValueType::timestamp) {
      mapping_error(info, "column '" + c.name + "': default_now needs a manydb::Timestamp member");
    }
  }
  if (keys == 0) {
    mapping_error(info, "no primary key: mark one column with manydb::schema::primary_key");
  }
  if (keys > 1) {
    mapping_error(info,
                  "several primary key columns: composite keys are not supported; use a "
                  "surrogate id and a unique_index over the natural key");
  }
}

void validate_foreign_keys(const TableInfo& info) {
  for (const auto& c : info.columns) {
    if (!c.references) continue;
    const auto& fk = *c.references;
    if (fk.column.empty()) {
      mapping_error(info, "column '" + c.name + "' references a member of " + fk.model +
                              " that its mapping does not map");
    }
    if (fk.bind != info.bind) {
      const auto bind_name = [](const std::string& b) { return b.empty() ? "default" : b; };
      mapping_error(info, "column '" + c.name + "' references " + fk.model + " in bind '" +
                              bind_name(fk.bind) + "', but " + info.model + " lives in bind '" +
                              bind_name(info.bind) +
                              "': databases cannot reference each other. Keep the column a plain "
                              "key and load related rows with the session's cross-bind loader "
                              "(Session::load_related)");
    }
  }
}

void validate_indexes(const TableInfo& info) {
  std::set<std::string_view> names;
  for (const auto& ix : info.indexes) {
    check_name(info, "index", ix.name);
    if (!names.insert(ix.name).second)
      mapping_error(info, "two indexes are named '" + ix.name + "'");
    for (const auto& col : ix.columns) {
      const auto* c = info.column(col);
      if (!c) mapping_error(info, "index '" + ix.name + "' names no column '" + col + "'");
      if (c->type == ValueType::text && c->length == 0) {
        mapping_error(info, "index '" + ix.name + "' covers unbounded text column '" + col +
                                "': give it varchar(n)");
      }
    }
  }
}
}  // namespace

ColumnInfo column_info(std::string_view name, ValueType type, bool nullable,
                       const ColumnOptions& o) {
  ColumnInfo c;
  c.name = std::string(name);
  c.type = type;
  c.nullable = nullable;
  c.length = o.length;
  c.primary_key = o.primary_key;
  c.autoincrement = o.autoincrement;
  c.unique = o.unique;
  c.indexed = o.indexed;
  c.default_now = o.default_now;
  c.check = std::string(o.check);
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          c.default_value = std::string(v);
        } else if constexpr (!std::is_same_v<V, std::monostate>) {
          c.default_value = v;
        }
      },
      o.default_value);
  if (o.references) c.references = o.references();
  return c;
}

void add_index(TableInfo& info, const IndexDef& def) {
  IndexInfo ix{std::string(def.name), {}, def.unique};
  for (std::size_t i = 0; i < def.count; ++i)
    ix.columns.push_back(info.columns[def.columns[i]].name);
  info.indexes.push_back(std::move(ix));
}

void validate(TableInfo& info) {
  check_name(info, "table name", info.name);
  if (!info.bind.empty()) {
    check_name(info, "bind_key", info.bind);
  }
  validate_columns(info);
  for (const auto& c : info.columns) {
    if (c.indexed && !c.primary_key)
      info.indexes.push_back({"ix_" + info.name + "_" + c.name, {c.name}, false});
  }
  validate_foreign_keys(info);
  validate_indexes(info);
}

}  // namespace manydb::detail
