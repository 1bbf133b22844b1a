#pragma once
// A parsed database URL: sqlite:///path, postgresql://user:pass@host:port/db?..., mariadb://...
// Printing a Url redacts its password.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace manydb {

enum class Backend { sqlite, postgresql, mariadb };
std::string_view to_string(Backend backend);

struct Url {
  Backend backend = Backend::sqlite;
  std::string scheme;  // as written, e.g. "mysql+pymysql"
  std::string user;
  std::string password;
  std::string host;  // empty for SQLite; an IPv6 address without brackets
  std::optional<std::uint16_t> port;
  std::string database;  // SQLite: the file path as given (relative, absolute or ":memory:")
  std::map<std::string, std::string> params;

  // Throws ConfigError naming the part that is wrong.
  static Url parse(std::string_view text);

  // A file-path engine's (SQLite's) in-memory database.
  bool is_memory() const;
  // SQLite only: the path resolved against the working directory.
  std::filesystem::path sqlite_path() const;
  std::string param(const std::string& key, std::string fallback = {}) const;
  std::uint16_t port_or_default() const;

  std::string redacted() const;  // the URL with the password replaced by "***"
};

std::ostream& operator<<(std::ostream& os, const Url& url);

// Percent-encodes everything but unreserved characters (for building URLs from parts).
std::string percent_encode(std::string_view text);

}  // namespace manydb
