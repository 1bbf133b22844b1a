#include "manydb/core/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <span>

#include "manydb/core/errors.hpp"
#include "manydb/core/left_out_engine.hpp"
#include "manydb/core/percent_decode.hpp"
#include "manydb/core/url_scheme.hpp"

namespace manydb {

std::string_view to_string(Backend backend) {
  switch (backend) {
    case Backend::sqlite: return "sqlite";
    case Backend::postgresql: return "postgresql";
    case Backend::mariadb: return "mariadb";
  }
  return "?";
}

namespace {

[[noreturn]] void bad(std::string_view what) {
  throw ConfigError("invalid database URL: " + std::string(what));
}

// The URL's `part` (named in the error) with its escapes decoded.
std::string decode_part(std::string_view text, std::string_view part) {
  auto decoded = percent_decode(text);
  if (!decoded) bad(std::string(part) + " has a '%' that is not followed by two hex digits");
  return std::move(*decoded);
}

const UrlScheme& scheme_named(std::string_view name) {
  std::string known;
  for (const UrlScheme* scheme : builtin_url_schemes()) {
    for (std::string_view spelling : scheme->schemes) {
      if (spelling == name) return *scheme;
    }
    known.append(known.empty() ? "" : ", ").append(scheme->schemes.front());
  }
  if (const LeftOutEngine* engine = left_out_engine(name, left_out_engines())) {
    throw ConfigError(left_out_message(name, *engine));
  }
  bad("unknown scheme '" + std::string(name) + "': this build of manydb knows " + known);
}

std::uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    bad("port '" + std::string(text) + "' is not a number");
  }
  if (value == 0 || value > 65535) bad("port " + std::string(text) + " is out of range 1-65535");
  return static_cast<std::uint16_t>(value);
}

void check_no_space(std::string_view text, std::string_view part) {
  if (std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; })) {
    bad(std::string(part) + " contains a space: percent-encode it as %20");
  }
}

void parse_host_port(std::string_view hostport, Url& url) {
  check_no_space(hostport, "the host");
  std::string_view port;
  if (!hostport.empty() && hostport[0] == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) bad("the IPv6 host has no closing ']'");
    url.host = std::string(hostport.substr(1, close - 1));
    const auto rest = hostport.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') bad("unexpected text after the IPv6 host");
    if (!rest.empty()) port = rest.substr(1);
    if (rest.size() == 1) bad("empty port after ':'");
  } else {
    const auto colon = hostport.find(':');
    url.host = decode_part(hostport.substr(0, colon), "the host");
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.empty()) bad("empty port after ':'");
    }
  }
  if (!port.empty()) url.port = parse_port(port);
  for (char c : url.host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == '_' || c == ':' || c == '%';
    if (!ok) bad("the host '" + url.host + "' contains '" + std::string(1, c) + "'");
  }
}

void parse_authority(std::string_view authority, Url& url) {
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    if (userinfo.find('@') != std::string_view::npos) {
      bad("stray '@' in the user or password: percent-encode '@' as %40");
    }
    check_no_space(userinfo, "the user or password");
    const auto colon = userinfo.find(':');
    url.user = decode_part(userinfo.substr(0, colon), "the user name");
    if (colon != std::string_view::npos) {
      url.password = decode_part(userinfo.substr(colon + 1), "the password");
    }
    if (url.user.empty()) bad("empty user name before '@'");
  }
  parse_host_port(at == std::string_view::npos ? authority : authority.substr(at + 1), url);
}

void check_param(const UrlScheme& scheme, const std::string& key, const std::string& value) {
  const auto known = scheme.params;
  if (std::find(known.begin(), known.end(), key) == known.end()) {
    std::string list;
    for (auto k : known) list.append(list.empty() ? "" : ", ").append(k);
    bad("unknown parameter '" + key + "' for " + std::string(to_string(scheme.backend)) +
        " (known: " + list + ")");
  }
  if (key.ends_with("timeout")) {
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      bad("parameter " + key + "='" + value + "' is not a whole number");
    }
  }
}

void parse_query(std::string_view query, const UrlScheme& scheme, Url& url) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) bad("parameter '" + std::string(pair) + "' has no '='");
    auto key = decode_part(pair.substr(0, eq), "a parameter name");
    auto value = decode_part(pair.substr(eq + 1), "parameter " + key);
    check_param(scheme, key, value);
    if (!url.params.emplace(key, value).second) bad("parameter '" + key + "' is given twice");
  }
}

void parse_file_path(std::string_view rest, Url& url) {
  // After "sqlite://": "" or "/:memory:" is memory, "/rel.db" relative, "//abs.db" absolute.
  if (rest.empty()) {
    url.database = ":memory:";
    return;
  }
  if (rest[0] != '/') {
    bad("a SQLite URL takes no host: write sqlite:///relative.db or sqlite:////absolute.db");
  }
  url.database = decode_part(rest.substr(1), "the SQLite path");
  if (url.database.empty()) url.database = ":memory:";
}

}  // namespace

Url Url::parse(std::string_view text) {
  if (text.empty()) bad("the URL is empty");
  if (text.front() == ' ' || text.back() == ' ') bad("the URL has leading or trailing spaces");
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    bad("'" + std::string(text.substr(0, 40)) + "' has no scheme: expected e.g. sqlite:///app.db");
  }
  Url url;
  url.scheme = std::string(text.substr(0, sep));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(), ::tolower);
  const UrlScheme& scheme = scheme_named(url.scheme);
  url.backend = scheme.backend;
  auto rest = text.substr(sep + 3);
  const auto q = rest.find('?');
  if (q != std::string_view::npos) {
    parse_query(rest.substr(q + 1), scheme, url);
    rest = rest.substr(0, q);
  }
  if (scheme.takes_file_path) {
    parse_file_path(rest, url);
    return url;
  }
  const auto slash = rest.find('/');
  parse_authority(rest.substr(0, slash), url);
  if (slash != std::string_view::npos) {
    url.database = decode_part(rest.substr(slash + 1), "the database name");
    check_no_space(url.database, "the database name");
    if (url.database.find('/') != std::string::npos) bad("the database name contains '/'");
  }
  if (url.host.empty() && !url.params.contains("host") && !url.params.contains("unix_socket")) {
    bad("no host: write " + url.scheme + "://user:password@127.0.0.1/dbname");
  }
  return url;
}

bool Url::is_memory() const {
  const UrlScheme* scheme = url_scheme_of(backend);
  return scheme && scheme->takes_file_path && database == ":memory:";
}

std::filesystem::path Url::sqlite_path() const { return std::filesystem::path(database); }

std::string Url::param(const std::string& key, std::string fallback) const {
  const auto it = params.find(key);
  return it == params.end() ? std::move(fallback) : it->second;
}

std::uint16_t Url::port_or_default() const {
  if (port) return *port;
  const UrlScheme* scheme = url_scheme_of(backend);
  return scheme ? scheme->default_port : 0;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string Url::redacted() const {
  std::string out = scheme + "://";
  const UrlScheme* scheme = url_scheme_of(backend);
  if (scheme && scheme->takes_file_path) {
    out += "/" + database;
  } else {
    if (!user.empty()) out += percent_encode(user) + (password.empty() ? "@" : ":***@");
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port) out += ":" + std::to_string(*port);
    out += "/" + database;
  }
  char joiner = '?';
  for (const auto& [k, v] : params) {
    out.append(1, joiner).append(k).append("=").append(percent_encode(v));
    joiner = '&';
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Url& url) { return os << url.redacted(); }

const UrlScheme* url_scheme_of(Backend backend) {
  for (const UrlScheme* scheme : builtin_url_schemes()) {
    if (scheme->backend == backend) return scheme;
  }
  return nullptr;
}

}  // namespace manydb
