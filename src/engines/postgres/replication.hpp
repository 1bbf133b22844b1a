#pragma once
// PostgreSQL's replication positions: WAL locations (LSN) written "X/Y", two hex numbers.
#include <cstdint>
#include <optional>
#include <string_view>

#include "manydb/driver/replication.hpp"

namespace manydb::engines::postgres {

// "0/30242E0" -> 0x30242E0; nullopt unless two hex numbers of 1 to 8 digits around one '/'.
std::optional<std::uint64_t> parse_lsn(std::string_view text);

const Replication& replication();

}  // namespace manydb::engines::postgres
