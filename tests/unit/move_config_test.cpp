// [database.moves] in configuration, and the moves a Database's binds refuse. Nothing here
// connects.
#include <gtest/gtest.h>

#include "config_errors.hpp"
#include "manydb/routing/table_moves.hpp"

using manydb::DatabaseConfig;
using manydb::MovePhase;
using manydb::TableMoves;
using manydb::testing::binds_error;
using manydb::testing::load_error;
using namespace std::chrono_literals;

namespace {

const char* kBinds = R"(
[database]
url = "sqlite:///tmp/products.db"
[database.binds]
reviews = "sqlite:///tmp/reviews.db"
shard = "sqlite:///tmp/tenant_{tenant}.db"
copies = { url = "postgresql://u@127.0.0.1/x", replicas = ["postgresql://u@127.0.0.1:5433/x"] }
)";

DatabaseConfig with_move(const std::string& move) {
  return DatabaseConfig::from_toml_string(std::string(kBinds) + move, "shop.toml");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(MoveConfig, ReadsEachMoveByTable) {
  const auto config = with_move(
      "[database.moves.reviews]\nfrom = \"default\"\nto = \"reviews\"\nrefresh_ms = 250\n");
  ASSERT_EQ(config.moves.size(), 1u);
  const auto& m = config.moves.at("reviews");
  EXPECT_EQ(m.from, "default");
  EXPECT_EQ(m.to, "reviews");
  EXPECT_EQ(m.refresh, 250ms);
  EXPECT_EQ(m.origin, "shop.toml:8:1");
  EXPECT_EQ(binds_error(config), "");
  EXPECT_EQ(DatabaseConfig{}.moves.size(), 0u);
}

TEST(MoveConfig, RefusesUnknownKeysMissingBindsAndOneBindTwice) {
  EXPECT_TRUE(contains(
      load_error(std::string(kBinds) + "[database.moves.reviews]\nfrom = \"default\"\nto = "
                                       "\"reviews\"\nbatch = 3\n"),
      "unknown key 'batch' in [database.moves.reviews] (known: from, to, refresh_ms)"));
  EXPECT_TRUE(
      contains(load_error(std::string(kBinds) + "[database.moves.reviews]\nto = \"reviews\"\n"),
               "move 'reviews' needs both from and to"));
  EXPECT_TRUE(
      contains(load_error(std::string(kBinds) +
                          "[database.moves.reviews]\nfrom = \"reviews\"\nto = \"reviews\"\n"),
               "from and to are the same bind 'reviews'"));
  EXPECT_TRUE(contains(load_error(std::string(kBinds) + "[database.moves]\nreviews = 3\n"),
                       "[database.moves.reviews] must be a table"));
  EXPECT_THROW(DatabaseConfig().add_move("t", "a", "a"), manydb::ConfigError);
}

TEST(MoveConfig, TheBindsRefuseUnknownTenantAndReplicatedBinds) {
  auto error = [](const std::string& from, const std::string& to) {
    return binds_error(
        with_move("[database.moves.reviews]\nfrom = \"" + from + "\"\nto = \"" + to + "\"\n"));
  };
  EXPECT_TRUE(
      contains(error("default", "nowhere"), "to names bind 'nowhere', which is not configured"));
  EXPECT_TRUE(
      contains(error("nowhere", "reviews"), "from names bind 'nowhere', which is not configured"));
  EXPECT_TRUE(contains(error("default", "shard"), "bind 'shard' is a tenant bind"));
  EXPECT_TRUE(contains(error("default", "copies"), "the target bind 'copies' has replicas"));
  EXPECT_EQ(error("copies", "reviews"), "");  // a source with replicas is fine
}

TEST(MoveConfig, RoutesEachPhase) {
  TableMoves::Move m{"reviews", "default", "reviews", 1000ms, nullptr};
  auto r = TableMoves::route(m, MovePhase::none);
  EXPECT_TRUE(*r.read == "default" && *r.write == "default" && !r.mirror);
  r = TableMoves::route(m, MovePhase::dual_write);
  EXPECT_TRUE(*r.read == "default" && *r.write == "default" && *r.mirror == "reviews");
  r = TableMoves::route(m, MovePhase::reads_moved);
  EXPECT_TRUE(*r.read == "reviews" && *r.write == "default" && *r.mirror == "reviews");
  r = TableMoves::route(m, MovePhase::done);
  EXPECT_TRUE(*r.read == "reviews" && *r.write == "reviews" && !r.mirror);
  for (auto p : {MovePhase::none, MovePhase::dual_write, MovePhase::reads_moved, MovePhase::done})
    EXPECT_EQ(manydb::parse_move_phase(manydb::to_string(p)), p);
  EXPECT_FALSE(manydb::parse_move_phase("half"));
}
