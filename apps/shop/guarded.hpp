#pragma once
// The shop's mapping of errors to HTTP answers, shared by every handler.
#include <boost/asio/awaitable.hpp>
#include <exception>

#include "app_log.hpp"
#include "http/response.hpp"
#include "manydb/core/errors.hpp"
#include "request_body.hpp"

namespace shop {

// A 503 for the client, which learns the bind only; the log gets what went wrong (manydb's
// messages hold no password).
inline http::Response unavailable(const manydb::Error& e) {
  applog::log(manydb::LogLevel::warn, "database unavailable",
              {{"bind", e.bind()}, {"error", e.what()}});
  return http::Response::error(503, "database '" + e.bind() + "' is unavailable");
}

// A transaction the server rolled back to resolve a conflict with another one (a deadlock, a
// serialization failure), again on each of manydb::retry_transaction's attempts: nothing was
// saved, and the same request a moment later may well succeed.
inline http::Response conflicted(const manydb::TransactionRollback& e) {
  applog::log(manydb::LogLevel::warn, "transaction rolled back by a conflict",
              {{"bind", e.bind()}, {"error", e.what()}});
  auto response = http::Response::error(
      503, "database '" + e.bind() +
               "' rolled the request back: it conflicted with concurrent ones (deadlock or "
               "serialization failure) on every attempt; nothing was saved, retry it");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

// The answer to a handler's typed error: the right status with a JSON body {"error": "..."}.
// Any other error is thrown again (the server answers 500 and logs it).
inline http::Response answer_to(std::exception_ptr error) {
  using http::Response;
  try {
    std::rethrow_exception(std::move(error));
  } catch (const BadRequest& e) {
    return Response::error(400, e.what());
  } catch (const manydb::NotFound& e) {
    return Response::error(404, e.what());
  } catch (const manydb::StaleDataError& e) {
    // A lost update: the row changed under the request since it was read. Not a 404: it was
    // there; the client may read it again and decide.
    return Response::error(409, e.what());
  } catch (const manydb::TransactionRollback& e) {
    return conflicted(e);
  } catch (const manydb::OperationalError& e) {
    // Connection lost, pool exhausted, timeout: the bind is unavailable, the service is not.
    return unavailable(e);
  } catch (const manydb::PartialCommit& e) {
    return unavailable(e);
  } catch (const manydb::DataError& e) {
    return Response::error(400, e.what());
  } catch (const manydb::InvalidToken& e) {
    // An X-Consistency-Token that is not one, or names a bind that is not configured.
    return Response::error(400, e.what());
  }
}

// Runs a handler, its typed errors answered (answer_to).
template <class Handler>
http::Response guarded(Handler&& handler) {
  try {
    return handler();
  } catch (...) {
    return answer_to(std::current_exception());
  }
}

// The same for a handler that awaits: `start()` begins it.
template <class Start>
boost::asio::awaitable<http::Response> guarded_awaiting(Start start) {
  std::exception_ptr error;
  try {
    co_return co_await start();
  } catch (...) {
    error = std::current_exception();
  }
  co_return answer_to(std::move(error));
}

}  // namespace shop
