#pragma once
// "Does the row with this key exist?" for many concurrent requests, answered by one query per
// batch: a request that arrives while `max_in_flight` lookups are in flight waits for the
// next lookup, which asks for every key queued meanwhile (as a group commit shares one fsync).
// With more than one in flight, a preempted leader holds up only its own batch, and batches
// are smaller. Each answer comes from a query sent after its request arrived, so it is as fresh
// as a query of its own would be: nothing is cached. With one request at a time it is one query
// per request, as before.
//
// Why: POST /orders checks its user on a database of its own; on the servers that check was
// a round trip per order, with a wake-up of its own for the client and the server each.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace shop {

class BatchedExistence {
 public:
  // Returns those of the keys that exist (in any order); may throw, and then every request of
  // the batch gets an exception of its own saying the same: a manydb::OperationalError for an
  // OperationalError (the bind is unavailable), a std::runtime_error for anything else. Not the
  // same object: one exception shared by threads is destroyed by whichever releases it last.
  using Lookup = std::function<std::vector<std::int64_t>(std::span<const std::int64_t>)>;

  explicit BatchedExistence(Lookup lookup, int max_in_flight = 1)
      : lookup_(std::move(lookup)), max_in_flight_(max_in_flight) {}

  bool exists(std::int64_t key);

  // Keys waiting for the next lookup.
  std::size_t queued() const;

 private:
  struct Batch {
    std::vector<std::int64_t> keys;
    std::vector<std::int64_t> found;  // sorted
    enum class Failure { none, unavailable, other } failure = Failure::none;
    std::string error, error_bind, error_code;
    bool done = false;
    std::condition_variable finished;  // its waiters; the next batch's first waiter, to lead
  };

  void lead(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Batch>& batch);
  static void look_up(const Lookup& lookup, Batch& batch);
  [[noreturn]] static void throw_failure(const Batch& batch);

  Lookup lookup_;
  mutable std::mutex mutex_;
  std::shared_ptr<Batch> next_;  // collecting keys; not sent yet
  const int max_in_flight_;
  int in_flight_ = 0;
};

}  // namespace shop
