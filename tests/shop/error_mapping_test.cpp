// The shop's mapping of library errors to HTTP answers (apps/shop/guarded.hpp). A lost update
// (StaleDataError) can occur on no route of the shop today: none updates an object it read
// into a session (stock is taken with guarded UPDATE statements, which cannot lose an update);
// the mapping is proved here, where any future route gets it.
#include <gtest/gtest.h>

#include "guarded.hpp"

namespace shop {
namespace {

template <class E>
http::Response answer_to(E error) {
  return guarded([&]() -> http::Response { throw error; });
}

TEST(ShopErrorMapping, ALostUpdateIsAConflictNotANotFound) {
  const auto r = answer_to(manydb::StaleDataError(
      "User 7 (table 'user') was deleted by someone else; its changes could not be written",
      "users"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            "{\"error\":\"User 7 (table 'user') was deleted by someone else; its changes could "
            "not be written\"}");
}

TEST(ShopErrorMapping, TheOtherMappingsStand) {
  EXPECT_EQ(answer_to(manydb::NotFound("User 7 not found")).status, 404);
  EXPECT_EQ(answer_to(BadRequest("'items' must be an array")).status, 400);
  EXPECT_EQ(answer_to(manydb::DataError("bad")).status, 400);
  const auto down = answer_to(manydb::ConnectionError("lost", "users"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body, "{\"error\":\"database 'users' is unavailable\"}");
}

// Not "unavailable": the database answered, the request met concurrent ones. The client may
// send it again.
TEST(ShopErrorMapping, ADeadlockSaysSoAndAsksForARetry) {
  for (const auto& r : {answer_to(manydb::Deadlock("deadlock detected", "orders")),
                        answer_to(manydb::SerializationFailure("could not serialize", "orders"))}) {
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body,
              "{\"error\":\"database 'orders' rolled the request back: it conflicted with "
              "concurrent ones (deadlock or serialization failure) on every attempt; nothing was "
              "saved, retry it\"}");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));
  }
}

// An X-Consistency-Token that does not parse or names no configured bind is the client's
// mistake: a 400 saying what is wrong, never a 500.
TEST(ShopErrorMapping, AnInvalidConsistencyTokenIsABadRequest) {
  const auto r =
      answer_to(manydb::InvalidToken("invalid consistency token: no bind 'x' is configured", "x"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"invalid consistency token: no bind 'x' is configured\"}");
}

}  // namespace
}  // namespace shop
