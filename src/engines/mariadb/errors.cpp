#include "engines/mariadb/errors.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>

namespace manydb::engines::mariadb {

namespace {

struct Group {
  ErrorKind kind;
  std::span<const unsigned> codes;
};

constexpr unsigned kUnique[] = {1022, 1062, 1169, 1586};
constexpr unsigned kForeignKey[] = {1216, 1217, 1451, 1452};
constexpr unsigned kNotNull[] = {1048, 1263, 1364};
constexpr unsigned kCheck[] = {3819, 4025};
// Server side: too many connections, bad handshake, access denied, unknown database, host
// blocked, shutdown, killed (1927), idle timeout (4031); client side: cannot connect, gone
// away, lost, TLS failure.
constexpr unsigned kConnection[] = {1040, 1043, 1044, 1045, 1049, 1053, 1129, 1130, 1152,
                                    1927, 2002, 2003, 2005, 2006, 2013, 2026, 2055, 4031};
// max_statement_time exceeded (MariaDB and MySQL numbers).
constexpr unsigned kTimeout[] = {1969, 3024};
// innodb_lock_wait_timeout: InnoDB rolls back the statement, not the transaction (unless
// innodb_rollback_on_timeout).
constexpr unsigned kLockTimeout[] = {1205};
constexpr unsigned kDeadlock[] = {1213};
// "Record has changed since last read" under innodb_snapshot_isolation (10.6.18, 10.11.8 on).
// Without it MariaDB has no serialization failure of its own; a Galera certification failure
// comes as 1213, a deadlock.
constexpr unsigned kSerialization[] = {1020};
constexpr unsigned kOperational[] = {1021, 1030, 1037, 1038, 1114, 1317, 2014};
constexpr unsigned kProgramming[] = {1046, 1050, 1051, 1052, 1054, 1060, 1064,
                                     1065, 1091, 1136, 1142, 1143, 1146, 1149,
                                     1210, 1295, 2030, 2031, 2034, 2035, 2036};
constexpr unsigned kData[] = {1264, 1265, 1292, 1365, 1366, 1367, 1406, 1411, 1690};

constexpr std::array kGroups{
    Group{ErrorKind::unique, kUnique},
    Group{ErrorKind::foreign_key, kForeignKey},
    Group{ErrorKind::not_null, kNotNull},
    Group{ErrorKind::check, kCheck},
    Group{ErrorKind::connection, kConnection},
    Group{ErrorKind::timeout, kTimeout},
    Group{ErrorKind::lock_timeout, kLockTimeout},
    Group{ErrorKind::deadlock, kDeadlock},
    Group{ErrorKind::serialization, kSerialization},
    Group{ErrorKind::operational, kOperational},
    Group{ErrorKind::programming, kProgramming},
    Group{ErrorKind::data, kData},
};

// Codes that mean the session itself is gone, rather than that it could not be opened.
constexpr unsigned kLost[] = {1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055, 4031};

bool contains(std::span<const unsigned> codes, unsigned code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

ErrorKind error_kind(unsigned code) {
  for (const Group& group : kGroups) {
    if (contains(group.codes, code)) return group.kind;
  }
  return ErrorKind::other;
}

bool is_connection_lost(unsigned code) { return contains(kLost, code); }

ErrorCodes codes_of(const Reported& reported) {
  std::string_view sqlstate = reported.sqlstate ? reported.sqlstate : "";
  if (sqlstate == "00000") sqlstate = {};
  return ErrorCodes{.sqlstate = sqlstate, .native = static_cast<int>(reported.code)};
}

namespace {

// Where a message quotes a value: after `opener`, up to the last `closer` (a value may hold
// quotes itself); an empty closer means up to the message's last quote.
struct QuotedValue {
  unsigned code;
  std::string_view opener;
  std::string_view closer;
};
constexpr QuotedValue kQuotedValues[] = {
    {1062, "entry '", "' for key"},        // ER_DUP_ENTRY
    {1586, "entry '", "' for key"},        // ER_DUP_ENTRY_WITH_KEY_NAME
    {1366, "value: '", "' for column"},    // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    {1292, "value: '", ""},                // ER_TRUNCATED_WRONG_VALUE
    {1411, "value: '", "' for function"},  // ER_WRONG_VALUE_FOR_TYPE
    {1367, " '", "' value found"},         // ER_ILLEGAL_VALUE_FOR_TYPE
};

}  // namespace

std::string message_without_values(unsigned code, std::string message) {
  for (const QuotedValue& q : kQuotedValues) {
    if (q.code != code) continue;
    const auto open = message.find(q.opener);
    if (open == std::string::npos) continue;
    const auto from = open + q.opener.size();
    auto to = q.closer.empty() ? std::string::npos : message.rfind(q.closer);
    if (to == std::string::npos || to < from) to = message.rfind('\'');
    if (to == std::string::npos || to < from) continue;
    message.replace(from, to - from, "...");
    return message;
  }
  return message;
}

void throw_error(std::string_view bind, const Reported& reported, std::string_view message,
                 std::string_view password) {
  std::string what =
      trimmed(message_without_values(reported.code, redact(std::string(message), password)));
  if (what.empty()) what = "MariaDB error";
  throw_database_error(error_kind(reported.code), bind, codes_of(reported), what);
}

}  // namespace manydb::engines::mariadb
