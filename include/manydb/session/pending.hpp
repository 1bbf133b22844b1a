#pragma once
// A read sent ahead: Query<T>::send() and Session::send_load_related() return at once, and the
// answer is read when get() first asks for it. Reads sent on different binds are answered at
// the same time, and several sent on one PostgreSQL bind share a round trip:
//
//   auto order = s.query<Order>().filter_by(&Order::id, id).send();      // orders bind
//   auto items = s.query<OrderItem>().filter_by(&OrderItem::order_id, id).send();
//   auto user = s.query<User>().filter_by(&User::id, user_id).send();    // users bind
//   for (const OrderItem& item : items.get()) ...                        // one wait for all
//
// The session reads a bind's answers in the order they were sent, before it runs anything else
// on that bind, and all of them before it commits, rolls back or ends: a Pending may outlive its
// session, and then holds what was read. An error is thrown by get(), as the blocking call
// would have thrown it; one that get() never asks for is dropped.
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "manydb/driver/answer_wait.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/query/compile.hpp"

namespace manydb {

class Session;
class Lease;

namespace detail {

// One read sent on one of a session's connections (or run at once where it could not be sent).
class SentRead {
 public:
  virtual ~SentRead() = default;
  bool done() const { return done_; }
  void rethrow_error() const {
    if (error_) std::rethrow_exception(error_);
  }

 protected:
  virtual void read(Cursor& rows) = 0;
  void set_done() { done_ = true; }

 private:
  friend class manydb::Session;
  // Receives the answer through `lease_` and reads it, keeping an error for get().
  void complete() noexcept;
  // Reads rows that came without being sent ahead (a replica's, or an engine that runs at once).
  void complete_with(Cursor& rows) noexcept;
  void fail(std::exception_ptr error) noexcept {
    error_ = std::move(error);
    done_ = true;
  }

  Lease* lease_ = nullptr;  // where it was sent; null once done
  Statement statement_;     // kept for Lease::receive, which may run it again
  bool done_ = false;
  std::exception_ptr error_;
};

// A SentRead whose rows `reader` turns into an R.
template <class R>
class SentReadOf final : public SentRead {
 public:
  explicit SentReadOf(std::function<R(Cursor&)> reader) : reader_(std::move(reader)) {}
  // One with its answer already: nothing needed sending.
  static std::shared_ptr<SentReadOf> ready(R value) {
    auto read = std::make_shared<SentReadOf>(nullptr);
    read->value.emplace(std::move(value));
    read->set_done();
    return read;
  }
  std::optional<R> value;

 protected:
  void read(Cursor& rows) override { value.emplace(reader_(rows)); }

 private:
  std::function<R(Cursor&)> reader_;
};

}  // namespace detail

template <class R>
class Pending {
 public:
  Pending(Session* session, std::shared_ptr<detail::SentReadOf<R>> read)
      : session_(session), read_(std::move(read)) {}

  // The answer: waits for it the first time (and for the reads sent before it on its bind).
  R& get();
  // Whether get() would not wait without asking the server (see wait_needed()).
  bool ready() const { return read_->done(); }
  // What get() would wait for, reading what has arrived meanwhile without blocking: the
  // server's socket becoming readable, by a deadline. An event loop waits for it there, again
  // until this is nullopt, and then get() returns at once (manydb/asio/await.hpp does).
  std::optional<AnswerWait> wait_needed();
  // While the answer is on its way: gives it up, with the rest of its session's
  // (Session::abandon). Once it is here, nothing.
  void abandon() noexcept;

 private:
  Session* session_;
  std::shared_ptr<detail::SentReadOf<R>> read_;
};

}  // namespace manydb
