#pragma once
#include <ostream>

#include "manydb/core/result.hpp"

namespace manydb::cli {

// Prints rows as an aligned text table, or "N rows affected" for a statement without rows.
void print_table(std::ostream& out, const Result& result);

}  // namespace manydb::cli
