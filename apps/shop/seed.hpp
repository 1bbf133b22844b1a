#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

#include "manydb/manydb.hpp"

namespace shop {

struct SeedOptions {
  std::int64_t products = 1000;
  std::int64_t users = 1000;
  std::int64_t orders = 5000;
  std::int64_t reviews = 500;
  bool reset = false;     // drop and recreate every table first
  bool if_empty = false;  // do nothing (successfully) when any bind already holds data
  // Seed this tenant's products, orders and reviews (a configuration with tenant binds); the
  // shared users are seeded when their bind is empty and kept otherwise, and reset, if_empty
  // and the refusal to touch data apply to the tenant's binds only.
  std::string tenant{};
};

// Creates the tables and fills them with deterministic data: the same options give the same
// rows. Refuses (ConfigError) to touch binds that hold data unless reset or if_empty is set.
// Returns false when if_empty skipped seeding. With tenant binds, seeds one tenant, which must
// have been created (`shop tenant create NAME`); without SeedOptions::tenant it refuses.
bool seed(manydb::Database& db, const SeedOptions& options, std::ostream& out);

}  // namespace shop
