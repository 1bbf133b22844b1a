#pragma once
#include <cstdint>
#include <iosfwd>

#include "manydb/manydb.hpp"

namespace shop {

struct SeedOptions {
  std::int64_t products = 1000;
  std::int64_t users = 1000;
  std::int64_t orders = 5000;
  std::int64_t reviews = 500;
  bool reset = false;     // drop and recreate every table first
  bool if_empty = false;  // do nothing (successfully) when any bind already holds data
};

// Creates the tables and fills them with deterministic data: the same options give the same
// rows. Refuses (ConfigError) to touch binds that hold data unless reset or if_empty is set.
// Returns false when if_empty skipped seeding.
bool seed(manydb::Database& db, const SeedOptions& options, std::ostream& out);

}  // namespace shop
