#pragma once
// A fully read result: column names and rows of Values. For raw SQL and the command line;
// typed reads go through a Cursor instead and skip this copy.
#include <cstdint>
#include <string>
#include <vector>

#include "manydb/core/value.hpp"

namespace manydb {

struct Result {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::int64_t rows_affected = 0;
};

}  // namespace manydb
