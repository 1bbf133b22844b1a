#pragma once
// The shop's mapping of errors to HTTP answers, shared by every handler.
#include "http/response.hpp"
#include "manydb/core/errors.hpp"
#include "request_body.hpp"

namespace shop {

// Runs a handler: typed errors become the right status with a JSON body {"error": "..."}.
template <class Handler>
http::Response guarded(Handler&& handler) {
  using http::Response;
  try {
    return handler();
  } catch (const BadRequest& e) {
    return Response::error(400, e.what());
  } catch (const manydb::NotFound& e) {
    return Response::error(404, e.what());
  } catch (const manydb::StaleDataError& e) {
    // A lost update: the row changed under the request since it was read. Not a 404: it was
    // there; the client may read it again and decide.
    return Response::error(409, e.what());
  } catch (const manydb::OperationalError& e) {
    // Connection lost, pool exhausted, timeout: the bind is unavailable, the service is not.
    return Response::error(503, "database '" + e.bind() + "' is unavailable");
  } catch (const manydb::PartialCommit& e) {
    return Response::error(503, "database '" + e.bind() + "' is unavailable");
  } catch (const manydb::DataError& e) {
    return Response::error(400, e.what());
  }
}

}  // namespace shop
