#include "manydb/observe/metrics_snapshot.hpp"

namespace manydb {

std::string_view statement_kind_name(StatementKind kind) {
  switch (kind) {
    case StatementKind::read: return "read";
    case StatementKind::write: return "write";
    case StatementKind::ddl: return "ddl";
    case StatementKind::transaction: return "transaction";
  }
  return "write";
}

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::unique: return "unique";
    case ErrorKind::foreign_key: return "foreign_key";
    case ErrorKind::not_null: return "not_null";
    case ErrorKind::check: return "check";
    case ErrorKind::integrity: return "integrity";
    case ErrorKind::connection: return "connection";
    case ErrorKind::commit_in_doubt: return "commit_in_doubt";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::lock_timeout: return "lock_timeout";
    case ErrorKind::deadlock: return "deadlock";
    case ErrorKind::serialization: return "serialization";
    case ErrorKind::operational: return "operational";
    case ErrorKind::programming: return "programming";
    case ErrorKind::data: return "data";
    case ErrorKind::other: break;
  }
  return "other";
}

}  // namespace manydb
