#include "manydb/driver/connection.hpp"

#include "manydb/core/errors.hpp"
#include "manydb/driver/registry.hpp"

namespace manydb {

void Connection::savepoint(std::string_view name) {
  execute_script("SAVEPOINT " + dialect().quote_identifier(name));
}
void Connection::release_savepoint(std::string_view name) {
  execute_script("RELEASE SAVEPOINT " + dialect().quote_identifier(name));
}
void Connection::rollback_to_savepoint(std::string_view name) {
  execute_script("ROLLBACK TO SAVEPOINT " + dialect().quote_identifier(name));
}

void Connection::refuse_nested_begin() const {
  if (in_transaction()) {
    throw_database_error(ErrorKind::programming, bind(), "25001",
                         "a transaction is already open; use savepoints to nest");
  }
}

void Connection::run_batch(const Batch& batch) {
  for (const Batch::Step& step : batch.steps()) {
    try {
      Cursor& rows = run_statement(step.sql, step.params);
      if (step.read) step.read(rows);
    } catch (Error& e) {
      e.attach_sql(step.sql);  // unless the engine attached one
      throw;
    }
  }
  if (batch.commits()) commit();
}

bool Connection::reset_for_reuse() noexcept {
  if (broken()) return false;
  try {
    reset_cursor();
    if (in_transaction()) rollback();
    return !broken();
  } catch (...) {
    return false;
  }
}

std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options) {
  return registered_engine(url.backend).connect(url, options);
}

}  // namespace manydb
