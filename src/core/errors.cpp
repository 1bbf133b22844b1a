#include "manydb/core/errors.hpp"

#include "manydb/core/url.hpp"

#include <string>

namespace manydb {

namespace {
std::string shown_code(const ErrorCodes& codes) {
  return codes.native ? std::to_string(*codes.native) : std::string(codes.sqlstate);
}
}  // namespace

Error::Error(std::string message, std::string bind, std::string code)
    : std::runtime_error(std::move(message)), bind_(std::move(bind)), code_(std::move(code)) {}

Error::Error(std::string message, std::string bind, ErrorCodes codes, std::string sql)
    : std::runtime_error(std::move(message)),
      bind_(std::move(bind)),
      code_(shown_code(codes)),
      sqlstate_(codes.sqlstate),
      native_code_(codes.native),
      sql_(std::move(sql)) {}

std::optional<std::string_view> Error::sqlstate() const noexcept {
  if (sqlstate_.empty()) return std::nullopt;
  return sqlstate_;
}

void Error::attach_sql(std::string_view sql) {
  if (sql_.empty()) sql_ = sql;
}

namespace {

std::string compose(std::string_view bind, std::string_view code, std::string_view what) {
  std::string msg = "bind '";
  msg.append(bind).append("': ").append(what);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (!code.empty()) msg.append(" [code ").append(code).append("]");
  return msg;
}

struct Raised {
  std::string_view bind;
  const ErrorCodes* codes;  // null: `code` is manydb's own
  std::string_view code;
  std::string_view what;
  std::string_view sql;
};

template <class E>
[[noreturn]] void raise(const Raised& r) {
  if (!r.codes) throw E(compose(r.bind, r.code, r.what), std::string(r.bind), std::string(r.code));
  throw E(compose(r.bind, shown_code(*r.codes), r.what), std::string(r.bind), *r.codes,
          std::string(r.sql));
}

[[noreturn]] void raise_kind(ErrorKind kind, const Raised& r) {
  switch (kind) {
    case ErrorKind::unique: raise<UniqueViolation>(r);
    case ErrorKind::foreign_key: raise<ForeignKeyViolation>(r);
    case ErrorKind::not_null: raise<NotNullViolation>(r);
    case ErrorKind::check: raise<CheckViolation>(r);
    case ErrorKind::integrity: raise<IntegrityError>(r);
    case ErrorKind::connection: raise<ConnectionError>(r);
    case ErrorKind::commit_in_doubt: raise<CommitInDoubt>(r);
    case ErrorKind::timeout: raise<Timeout>(r);
    case ErrorKind::lock_timeout: raise<LockTimeout>(r);
    case ErrorKind::deadlock: raise<Deadlock>(r);
    case ErrorKind::serialization: raise<SerializationFailure>(r);
    case ErrorKind::operational: raise<OperationalError>(r);
    case ErrorKind::programming: raise<ProgrammingError>(r);
    case ErrorKind::data: raise<DataError>(r);
    case ErrorKind::other: break;
  }
  raise<DatabaseError>(r);
}

}  // namespace

void throw_database_error(ErrorKind kind, std::string_view bind, const ErrorCodes& codes,
                          std::string_view what, std::string_view sql) {
  raise_kind(kind, Raised{bind, &codes, {}, what, sql});
}

void throw_database_error(ErrorKind kind, std::string_view bind, std::string_view code,
                          std::string_view what) {
  raise_kind(kind, Raised{bind, nullptr, code, what, {}});
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
