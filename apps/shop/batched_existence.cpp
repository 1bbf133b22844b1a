#include "batched_existence.hpp"

#include <algorithm>
#include <stdexcept>

#include "manydb/core/errors.hpp"

namespace shop {

bool BatchedExistence::exists(std::int64_t key) {
  std::unique_lock lock(mutex_);
  if (!next_) next_ = std::make_shared<Batch>();
  const std::shared_ptr<Batch> mine = next_;
  mine->keys.push_back(key);
  // Still collecting while a lookup may start: this request leads its batch.
  mine->finished.wait(lock,
                      [&] { return mine->done || (next_ == mine && in_flight_ < max_in_flight_); });
  if (!mine->done) lead(lock, mine);
  if (mine->failure != Batch::Failure::none) throw_failure(*mine);
  return std::binary_search(mine->found.begin(), mine->found.end(), key);
}

// Sends `batch` with the lock released, so that later requests queue for the next batch
// meanwhile; then wakes the batch's waiters, and one waiter of the next batch to lead it.
void BatchedExistence::lead(std::unique_lock<std::mutex>& lock,
                            const std::shared_ptr<Batch>& batch) {
  ++in_flight_;
  next_.reset();
  lock.unlock();
  look_up(lookup_, *batch);
  lock.lock();
  batch->done = true;
  --in_flight_;
  batch->finished.notify_all();
  if (next_) next_->finished.notify_one();
}

// Runs outside the lock; the batch is the leader's alone until it is marked done.
void BatchedExistence::look_up(const Lookup& lookup, Batch& batch) {
  try {
    batch.found = lookup(batch.keys);
    std::sort(batch.found.begin(), batch.found.end());
  } catch (const manydb::OperationalError& e) {
    batch.failure = Batch::Failure::unavailable;
    batch.error = e.what();
    batch.error_bind = e.bind();
    batch.error_code = e.code();
  } catch (const std::exception& e) {
    batch.failure = Batch::Failure::other;
    batch.error = e.what();
  }
}

void BatchedExistence::throw_failure(const Batch& batch) {
  if (batch.failure == Batch::Failure::unavailable)
    throw manydb::OperationalError(batch.error, batch.error_bind, batch.error_code);
  throw std::runtime_error(batch.error);
}

std::size_t BatchedExistence::queued() const {
  std::lock_guard lock(mutex_);
  return next_ ? next_->keys.size() : 0;
}

}  // namespace shop
