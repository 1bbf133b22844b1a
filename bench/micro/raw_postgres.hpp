#pragma once
// What the raw libpq sides of bench/micro share: reading a text result's fields the way a
// careful hand-written program does, numbers parsed with from_chars.
#include <libpq-fe.h>

#include <charconv>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace bench_raw {

template <class T>
T pg_number(const PGresult* res, int r, int c) {
  const char* p = PQgetvalue(res, r, c);
  T value{};
  const auto [end, ec] = std::from_chars(p, p + PQgetlength(res, r, c), value);
  if (ec != std::errc()) throw std::runtime_error("not a number: " + std::string(p));
  return value;
}

inline std::string pg_text(const PGresult* res, int r, int c) {
  return {PQgetvalue(res, r, c), static_cast<std::size_t>(PQgetlength(res, r, c))};
}

}  // namespace bench_raw
