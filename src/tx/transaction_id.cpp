#include "manydb/tx/transaction_id.hpp"

#include <atomic>
#include <cstdint>
#include <random>

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {

std::string process_part() {
  std::random_device device;  // the kernel's randomness: differs across processes and restarts
  const std::uint64_t bits = (std::uint64_t{device()} << 32) ^ device();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '0');
  for (int i = 0; i < 12; ++i) out[i] = kHex[(bits >> (4 * i)) & 0xf];
  return out;
}

std::string base36(std::uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[n % 36]);
    n /= 36;
  } while (n != 0);
  return out;
}

constexpr std::size_t kMaxBindInBranch = 24;

}  // namespace

std::string new_transaction_id() {
  static const std::string process = process_part();
  static std::atomic<std::uint64_t> counter{0};
  return process + base36(counter.fetch_add(1, std::memory_order_relaxed));
}

std::string branch_tag(const Engine& engine) {
  const std::string& bind = engine.bind();
  if (bind.empty() || bind.size() > kMaxBindInBranch ||
      bind.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    throw ConfigError("bind '" + bind +
                          "' cannot take part in an atomic commit across binds: its name must be "
                          "1 to 24 letters, digits or '_-' (or use Commit::best_effort)",
                      bind);
  }
  std::uint32_t hash = 2166136261u;  // FNV-1a of the database's name
  for (const char c : engine.url().database)
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = bind + ".";
  for (int i = 7; i >= 0; --i) tag += kHex[(hash >> (4 * i)) & 0xf];
  return tag;
}

std::string branch_id(std::string_view txid, std::string_view tag) {
  return std::string(kBranchPrefix) + std::string(txid) + ":" + std::string(tag);
}

std::optional<BranchId> parse_branch_id(std::string_view xid) {
  if (!xid.starts_with(kBranchPrefix)) return std::nullopt;
  xid.remove_prefix(kBranchPrefix.size());
  const auto colon = xid.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == xid.size()) return std::nullopt;
  return BranchId{std::string(xid.substr(0, colon)), std::string(xid.substr(colon + 1))};
}

}  // namespace manydb
