#pragma once
// What the raw libpq sides of bench/micro share: binary results (PQexecPrepared with
// resultFormat 1), as manydb's PostgreSQL cursor asks for them, decoded the way a careful
// hand-written program does: int8 and float8 are 8 bytes in network order, text is its bytes.
// Integer parameters go out binary too (8 bytes, network order).
#include <libpq-fe.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bench_raw {

// `value` in network order (big-endian).
inline std::uint64_t pg_network_order(std::uint64_t value) {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(value);
  return value;
}

// The 8 bytes of a binary int8 or float8 field, in host order.
inline std::uint64_t pg_bytes8(const PGresult* res, int r, int c) {
  if (PQgetlength(res, r, c) != 8) {
    throw std::runtime_error("expected 8 bytes, got " + std::to_string(PQgetlength(res, r, c)));
  }
  std::uint64_t v;
  std::memcpy(&v, PQgetvalue(res, r, c), sizeof v);
  return pg_network_order(v);
}

inline std::int64_t pg_int8(const PGresult* res, int r, int c) {
  return static_cast<std::int64_t>(pg_bytes8(res, r, c));
}

inline double pg_float8(const PGresult* res, int r, int c) {
  return std::bit_cast<double>(pg_bytes8(res, r, c));
}

inline std::string pg_text(const PGresult* res, int r, int c) {
  return {PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))};
}

// `value` as a binary int8 parameter (format 1, length 8): its bytes in network order.
inline void pg_int8_param(std::int64_t value, char (&out)[8]) {
  const std::uint64_t v = pg_network_order(static_cast<std::uint64_t>(value));
  std::memcpy(out, &v, sizeof v);
}

}  // namespace bench_raw
