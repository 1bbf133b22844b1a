// Reads sent ahead (session/pending.hpp): sent on the session's connection to a bind, read back
// in the order they went, and all read before the connection does anything else.
#include <algorithm>
#include <exception>
#include <utility>

#include "manydb/session/session.hpp"

namespace manydb {

namespace detail {

void SentRead::complete() noexcept {
  Lease* lease = std::exchange(lease_, nullptr);
  try {
    read(lease->receive(statement_.sql, statement_.params));
  } catch (...) {
    error_ = std::current_exception();
  }
  done_ = true;
}

void SentRead::complete_with(Cursor& rows) noexcept {
  try {
    read(rows);
  } catch (...) {
    error_ = std::current_exception();
  }
  done_ = true;
}

}  // namespace detail

void Session::send_read(const std::string& bind, Statement statement, bool write, bool primary,
                        const std::shared_ptr<detail::SentRead>& read) {
  try {
    if (dirty_) flush();
    const Engine* shared = engines_.find(bind);
    const bool may_move = !write && !primary && engines_.replicas(bind);
    if (!options_.send_ahead || may_move || (shared && shared->pool().pinned())) {
      return read->complete_with(run(bind, statement, write, primary));
    }
    BindState& b = use(bind, write, true);
    b.wrote |= write;
    read->statement_ = std::move(statement);
    b.lease.send(read->statement_.sql, read->statement_.params);
    read->lease_ = &b.lease;
    sent_.push_back(read);
  } catch (...) {
    read->fail(std::current_exception());
  }
}

void Session::receive_through(detail::SentRead& read) {
  const Lease* lease = read.lease_;
  for (const auto& sent : sent_) {
    if (sent->lease_ == lease && !sent->done()) sent->complete();
    if (sent.get() == &read) break;
  }
  std::erase_if(sent_, [](const auto& sent) { return sent->done(); });
}

std::optional<AnswerWait> Session::answer_wait(detail::SentRead& read) {
  Lease* lease = read.lease_;
  for (const auto& sent : sent_) {
    if (sent->lease_ != lease || sent->done()) continue;
    if (auto wait = lease->answer_wait()) return wait;
    sent->complete();
    if (sent.get() == &read) break;
  }
  std::erase_if(sent_, [](const auto& sent) { return sent->done(); });
  return std::nullopt;
}

void Session::receive_on(const Lease& lease) {
  for (const auto& sent : sent_) {
    if (sent->lease_ == &lease) sent->complete();
  }
  std::erase_if(sent_, [](const auto& sent) { return sent->done(); });
}

void Session::receive_all() noexcept {
  for (const auto& sent : sent_) {
    if (!sent->done()) sent->complete();
  }
  sent_.clear();
}

}  // namespace manydb
