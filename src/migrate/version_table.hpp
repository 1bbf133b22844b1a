#pragma once
// The rows of one bind in the table manydb_migrations of its database: a row per applied step
// (or, on MariaDB, per step under way: applied_at NULL, its checksum that of the statements
// done so far). Keyed by bind and version, since binds may share a database (a tenant's file
// holds several tenant binds).
#include <cstdint>
#include <string>
#include <vector>

#include "manydb/driver/connection.hpp"

namespace manydb::migrate {

struct AppliedStep {
  std::int64_t version = 0;
  std::string name;
  std::string checksum;
  std::int64_t applied_at = 0;  // 0: not finished (MariaDB)
  std::int64_t statements_done = 0;
  bool finished() const { return applied_at != 0; }
};

class VersionTable {
 public:
  static constexpr const char* name = "manydb_migrations";
  VersionTable(Connection& connection, std::string bind) : c_(connection), bind_(std::move(bind)) {}

  void create_if_missing();
  bool exists();
  std::vector<AppliedStep> read();  // in version order
  void insert(const AppliedStep& row);
  void update_progress(std::int64_t version, std::int64_t statements_done,
                       const std::string& checksum);
  void finish(std::int64_t version, const std::string& checksum);
  void remove(std::int64_t version);

 private:
  Connection& c_;
  std::string bind_;
};

std::int64_t now_ms();

}  // namespace manydb::migrate
