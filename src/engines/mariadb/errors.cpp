#include "engines/mariadb/errors.hpp"

#include <string>

namespace manydb::engines::mariadb {

namespace {

ErrorKind integrity_kind(unsigned code) {
  switch (code) {
    case 1022: case 1062: case 1169: case 1586: return ErrorKind::unique;
    case 1216: case 1217: case 1451: case 1452: return ErrorKind::foreign_key;
    case 1048: case 1263: case 1364: return ErrorKind::not_null;
    case 3819: case 4025: return ErrorKind::check;
    default: return ErrorKind::other;
  }
}

ErrorKind operational_kind(unsigned code) {
  switch (code) {
    // 1040 too many connections, 1044/1045 access denied, 1049 unknown database: the
    // connection cannot be made. 1927 killed, 4031 idle timeout, 1053 server shutdown.
    case 1040: case 1043: case 1044: case 1045: case 1049: case 1053: case 1129: case 1130:
    case 1152: case 1927: case 2002: case 2003: case 2005: case 2006: case 2013: case 2026:
    case 2055: case 4031: return ErrorKind::connection;
    case 1205: case 1969: case 3024: return ErrorKind::timeout;
    case 1213: return ErrorKind::deadlock;
    case 1020: return ErrorKind::serialization;
    case 1021: case 1030: case 1037: case 1038: case 1114: case 1317: case 2014:
      return ErrorKind::operational;
    default: return ErrorKind::other;
  }
}

ErrorKind usage_kind(unsigned code) {
  switch (code) {
    case 1046: case 1050: case 1051: case 1052: case 1054: case 1060: case 1064: case 1065:
    case 1091: case 1136: case 1142: case 1143: case 1146: case 1149: case 1210: case 1295:
    case 2030: case 2031: case 2034: case 2035: case 2036:
      return ErrorKind::programming;
    case 1264: case 1265: case 1292: case 1365: case 1366: case 1367: case 1406: case 1411:
    case 1690: return ErrorKind::data;
    default: return ErrorKind::other;
  }
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

ErrorKind error_kind(unsigned code) {
  for (auto kind : {integrity_kind(code), operational_kind(code), usage_kind(code)}) {
    if (kind != ErrorKind::other) return kind;
  }
  return ErrorKind::other;
}

bool is_connection_lost(unsigned code) {
  switch (code) {
    case 1053: case 1927: case 2002: case 2003: case 2005: case 2006: case 2013: case 2055:
    case 4031: return true;
    default: return false;
  }
}

void throw_error(std::string_view bind, unsigned code, std::string_view message,
                 std::string_view password) {
  std::string what = trimmed(redact(std::string(message), password));
  if (what.empty()) what = "MariaDB error";
  throw_database_error(error_kind(code), bind, std::to_string(code), what);
}

}  // namespace manydb::engines::mariadb
