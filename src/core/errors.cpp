#include "manydb/core/errors.hpp"

#include "manydb/core/url.hpp"

#include <string>

namespace manydb {

Error::Error(std::string message, std::string bind, std::string code)
    : std::runtime_error(std::move(message)), bind_(std::move(bind)), code_(std::move(code)) {}

namespace {

std::string compose(std::string_view bind, std::string_view code, std::string_view what) {
  std::string msg = "bind '";
  msg.append(bind).append("': ").append(what);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (!code.empty()) msg.append(" [code ").append(code).append("]");
  return msg;
}

template <class E>
[[noreturn]] void raise(std::string_view bind, std::string_view code, std::string_view what) {
  throw E(compose(bind, code, what), std::string(bind), std::string(code));
}

}  // namespace

void throw_database_error(ErrorKind kind, std::string_view bind, std::string_view code,
                          std::string_view what) {
  switch (kind) {
    case ErrorKind::unique: raise<UniqueViolation>(bind, code, what);
    case ErrorKind::foreign_key: raise<ForeignKeyViolation>(bind, code, what);
    case ErrorKind::not_null: raise<NotNullViolation>(bind, code, what);
    case ErrorKind::check: raise<CheckViolation>(bind, code, what);
    case ErrorKind::integrity: raise<IntegrityError>(bind, code, what);
    case ErrorKind::connection: raise<ConnectionError>(bind, code, what);
    case ErrorKind::commit_in_doubt: raise<CommitInDoubt>(bind, code, what);
    case ErrorKind::timeout: raise<Timeout>(bind, code, what);
    case ErrorKind::deadlock: raise<Deadlock>(bind, code, what);
    case ErrorKind::serialization: raise<SerializationFailure>(bind, code, what);
    case ErrorKind::operational: raise<OperationalError>(bind, code, what);
    case ErrorKind::programming: raise<ProgrammingError>(bind, code, what);
    case ErrorKind::data: raise<DataError>(bind, code, what);
    case ErrorKind::other: break;
  }
  raise<DatabaseError>(bind, code, what);
}

namespace {
void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 3)) {
    text.replace(pos, needle.size(), "***");
  }
}
}  // namespace

std::string redact(std::string text, std::string_view secret) {
  replace_all(text, secret);
  replace_all(text, percent_encode(secret));
  return text;
}

}  // namespace manydb
