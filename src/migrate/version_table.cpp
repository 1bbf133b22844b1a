#include "version_table.hpp"

#include <chrono>

namespace manydb::migrate {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void VersionTable::create_if_missing() {
  c_.execute_script(
      "CREATE TABLE IF NOT EXISTS manydb_migrations (bind_name VARCHAR(255) NOT NULL, "
      "version BIGINT NOT NULL, name VARCHAR(255) NOT NULL, checksum VARCHAR(16) NOT NULL, "
      "applied_at BIGINT, statements_done INTEGER NOT NULL, PRIMARY KEY (bind_name, version))");
}

bool VersionTable::exists() {
  try {
    c_.query("SELECT version FROM manydb_migrations WHERE version = 0");
    c_.reset_cursor();
    return true;
  } catch (const DatabaseError&) {
    // PostgreSQL has aborted a transaction in which the query failed: status reads outside one.
    return false;
  }
}

std::vector<AppliedStep> VersionTable::read() {
  std::vector<AppliedStep> rows;
  auto& cursor = c_.query(
      "SELECT version, name, checksum, applied_at, statements_done FROM manydb_migrations "
      "WHERE bind_name = ? ORDER BY version",
      {bind_});
  while (cursor.next()) {
    AppliedStep row;
    row.version = cursor.get_int64(0);
    row.name = std::string(cursor.get_text(1));
    row.checksum = std::string(cursor.get_text(2));
    row.applied_at = cursor.is_null(3) ? 0 : cursor.get_int64(3);
    row.statements_done = cursor.get_int64(4);
    rows.push_back(std::move(row));
  }
  return rows;
}

void VersionTable::insert(const AppliedStep& row) {
  // NULL written in the SQL rather than bound: a null Value here trips GCC 12's
  // -Wmaybe-uninitialized inside std::variant.
  const std::string applied_at = row.applied_at == 0 ? "NULL" : std::to_string(row.applied_at);
  c_.execute(
      "INSERT INTO manydb_migrations (bind_name, version, name, checksum, applied_at, "
      "statements_done) VALUES (?, ?, ?, ?, " +
          applied_at + ", ?)",
      {bind_, row.version, row.name, row.checksum, row.statements_done});
}

void VersionTable::update_progress(std::int64_t version, std::int64_t statements_done,
                                   const std::string& checksum) {
  c_.execute(
      "UPDATE manydb_migrations SET statements_done = ?, checksum = ? WHERE bind_name = ? AND "
      "version = ?",
      {statements_done, checksum, bind_, version});
}

void VersionTable::finish(std::int64_t version, const std::string& checksum) {
  c_.execute(
      "UPDATE manydb_migrations SET applied_at = ?, checksum = ? WHERE bind_name = ? AND "
      "version = ?",
      {now_ms(), checksum, bind_, version});
}

void VersionTable::remove(std::int64_t version) {
  c_.execute("DELETE FROM manydb_migrations WHERE bind_name = ? AND version = ?", {bind_, version});
}

}  // namespace manydb::migrate
