#pragma once
// MariaDB's replication positions: GTID lists "domain-server-sequence[,...]", one GTID per
// replication domain. A replica has replayed a GTID when it holds that domain at the same or a
// later sequence number.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "manydb/driver/replication.hpp"

namespace manydb::engines::mariadb {

struct Gtid {
  std::uint32_t domain = 0;
  std::uint32_t server = 0;
  std::uint64_t sequence = 0;
};

// "0-1-7,1-2-3" -> its GTIDs; nullopt unless every element is three decimal numbers and no
// domain comes twice. "" is an empty list.
std::optional<std::vector<Gtid>> parse_gtid_list(std::string_view text);

const Replication& replication();

}  // namespace manydb::engines::mariadb
