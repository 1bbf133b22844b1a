#pragma once
// Runs a transaction again when the server rolled it back to resolve a conflict with another
// one (TransactionRollback: a deadlock, a serialization failure), as Django and Rails leave to
// the application. `work` opens its own session, reads, writes and commits: nothing of an
// attempt that was rolled back stays, so running it again from its first read does the work
// once. Everything else is thrown at once: after a timeout, a lost connection, a commit in doubt
// or a partial commit, running the work again could do it twice or wait twice as long.
//
//   auto id = manydb::retry_transaction([&] {
//     auto s = db.session();
//     auto& order = s.add(Order{...});
//     s.commit();
//     return order.id;
//   });
#include <chrono>
#include <thread>
#include <type_traits>

#include "manydb/core/errors.hpp"

namespace manydb {

struct RetryOptions {
  int attempts = 3;  // runs in all; the last one's TransactionRollback is thrown
  // Before run n (n >= 2), a pause of (n - 1) times this: the transaction that won the
  // conflict commits meanwhile instead of meeting this one again at once.
  std::chrono::milliseconds pause{1};
};

template <class Work>
std::invoke_result_t<Work&> retry_transaction(Work&& work, const RetryOptions& options = {}) {
  for (int attempt = 1;; ++attempt) {
    try {
      return work();
    } catch (const TransactionRollback&) {
      if (attempt >= options.attempts) throw;
    }
    std::this_thread::sleep_for(options.pause * attempt);
  }
}

}  // namespace manydb
