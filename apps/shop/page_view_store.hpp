#pragma once
// Writing batches of page views to the analytics bind, each batch one transaction.
#include <cstddef>
#include <span>

#include "manydb/manydb.hpp"
#include "models.hpp"

namespace shop {

// Inserts `views`, a log record that no write has tried yet. Throws manydb::Error (nothing
// written, or a commit whose outcome is unknown).
void insert_page_views(manydb::Database& db, std::span<const PageView> views);

// Inserts those of `views` whose event_id is not in page_view yet: a record left by an earlier
// process, or retried after a failed write, may have been written already. Returns how many were
// already there. Throws manydb::Error.
std::size_t insert_missing_page_views(manydb::Database& db, std::span<const PageView> views);

}  // namespace shop
