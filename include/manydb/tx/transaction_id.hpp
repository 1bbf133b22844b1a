#pragma once
// The ids of manydb's atomic commits and of their branches. A transaction id is unique across
// processes and restarts (random bits drawn once per process, then a counter); a branch id is
// the transaction id and the branch's tag (its bind and a hash of its database's name), so that
// recovery touches only manydb's own in-doubt transactions (kBranchPrefix) and, on a server that
// several binds or applications share (MariaDB lists every database's), only its own bind's.
#include <optional>
#include <string>
#include <string_view>

#include "manydb/pool/engine.hpp"

namespace manydb {

inline constexpr std::string_view kBranchPrefix = "mdb1:";

// "<12 hex digits, random per process><counter in base 36>": at most 25 characters.
std::string new_transaction_id();

// "<bind>.<8 hex digits>" for `engine`'s database. ConfigError when the bind's name cannot be
// part of one (longer than 24 bytes, or a character other than letters, digits and "_-").
std::string branch_tag(const Engine& engine);
// kBranchPrefix + txid + ":" + tag: at most 64 bytes.
std::string branch_id(std::string_view txid, std::string_view tag);

struct BranchId {
  std::string txid;
  std::string tag;
};
// The parts of a branch id; nullopt for anything else.
std::optional<BranchId> parse_branch_id(std::string_view xid);

}  // namespace manydb
