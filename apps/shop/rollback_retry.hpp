#pragma once
// Runs a write again when the server rolled its whole transaction back to resolve a conflict
// (manydb::TransactionRollback: a deadlock or a serialization failure), as a table move's dual
// writes may meet its backfill on MariaDB (docs/migrations.md). Nothing of it was committed, so
// running it again from its first read does it once; the last failure is thrown (guarded()
// answers 503). Not for a timeout: whether waiting longer is worth it is another question.
#include "manydb/core/errors.hpp"

namespace shop {

inline constexpr int kRollbackAttempts = 3;

template <class Work>
auto retry_rolled_back(Work&& work) {
  for (int attempt = 1;; ++attempt) {
    try {
      return work();
    } catch (const manydb::TransactionRollback&) {
      if (attempt == kRollbackAttempts) throw;
    }
  }
}

}  // namespace shop
