#include "engines/mariadb/replication.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace manydb::engines::mariadb {

namespace {

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty() || text.size() > 20) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

std::optional<Gtid> parse_gtid(std::string_view text) {
  const auto first = text.find('-');
  const auto second = first == std::string_view::npos ? first : text.find('-', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  Gtid g;
  if (!parse_number(text.substr(0, first), g.domain) ||
      !parse_number(text.substr(first + 1, second - first - 1), g.server) ||
      !parse_number(text.substr(second + 1), g.sequence)) {
    return std::nullopt;
  }
  return g;
}

std::string format(const std::vector<Gtid>& list) {
  std::string out;
  for (const auto& g : list) {
    if (!out.empty()) out += ',';
    out += std::to_string(g.domain) + '-' + std::to_string(g.server) + '-' +
           std::to_string(g.sequence);
  }
  return out;
}

const Gtid* find_domain(const std::vector<Gtid>& list, std::uint32_t domain) {
  auto it =
      std::find_if(list.begin(), list.end(), [&](const Gtid& g) { return g.domain == domain; });
  return it == list.end() ? nullptr : &*it;
}

class MariadbReplication final : public Replication {
 public:
  // @@last_gtid: the GTID of this session's last commit (MASTER_GTID_WAIT's unit).
  std::string_view committed_position_query() const override {
    return "SELECT CAST(@@last_gtid AS CHAR)";
  }
  std::string_view current_position_query() const override {
    return "SELECT CAST(@@gtid_binlog_pos AS CHAR)";
  }
  // read_only is how a MariaDB replica is kept from taking writes; a promotion turns it off.
  std::string_view replica_status_query() const override {
    return "SELECT @@read_only, CAST(@@gtid_slave_pos AS CHAR)";
  }
  bool valid(std::string_view position) const override {
    const auto list = parse_gtid_list(position);
    return list && !list->empty();
  }
  bool reached(std::string_view replayed, std::string_view wanted) const override {
    const auto have = parse_gtid_list(replayed).value_or(std::vector<Gtid>{});
    for (const auto& want : parse_gtid_list(wanted).value_or(std::vector<Gtid>{})) {
      const Gtid* got = find_domain(have, want.domain);
      if (!got || got->sequence < want.sequence) return false;
    }
    return true;
  }
  std::string later(std::string_view a, std::string_view b) const override {
    auto merged = parse_gtid_list(a).value_or(std::vector<Gtid>{});
    for (const auto& g : parse_gtid_list(b).value_or(std::vector<Gtid>{})) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const Gtid& m) { return m.domain == g.domain; });
      if (it == merged.end()) {
        merged.push_back(g);
      } else if (it->sequence < g.sequence) {
        *it = g;
      }
    }
    std::sort(merged.begin(), merged.end(),
              [](const Gtid& x, const Gtid& y) { return x.domain < y.domain; });
    return format(merged);
  }
};

}  // namespace

std::optional<std::vector<Gtid>> parse_gtid_list(std::string_view text) {
  std::vector<Gtid> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto g = parse_gtid(text.substr(0, comma));
    if (!g || find_domain(out, g->domain)) return std::nullopt;
    out.push_back(*g);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return std::nullopt;  // a trailing comma
  }
  return out;
}

const Replication& replication() {
  static const MariadbReplication instance;
  return instance;
}

}  // namespace manydb::engines::mariadb
