#pragma once
// Three binds (products, users, orders) seeded with three users, three products and three orders
// of 1, 2 and 3 items: for the tests of reads sent ahead, blocking and awaited.
#include <optional>
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "seed_models.hpp"

namespace manydb::testing {

using namespace std::chrono_literals;

class SentReadsFixture : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    // A serial implementation would wait for a lock forever in the overlap test: it fails on
    // the statement timeout instead.
    PoolSettings pool;
    pool.statement_timeout = statement_timeout_;
    config_.set_default(scratch_database("s_products"), pool);
    for (const char* bind : {"users", "orders"})
      config_.add_bind(bind, scratch_database(std::string("s_") + bind), pool);
    config_.recovery_interval = 0ms;
    db_.emplace(config_);
    db_->register_models<seed::Product, seed::User, seed::Order, seed::OrderItem>();
    db_->create_all();
    auto s = db_->session();
    for (const char* name : {"ada", "grace", "alan"})
      s.add(seed::User{.username = name, .email = std::string(name) + "@example.com"});
    for (const char* name : {"lamp", "desk", "chair"})
      s.add(seed::Product{.name = name, .price = 10, .stock = 5, .category = "home"});
    s.commit();
    auto o = db_->session();
    for (std::int64_t user = 1; user <= 3; ++user) {
      auto& order = o.add(seed::Order{.user_id = user});
      for (std::int64_t product = 1; product <= user; ++product) {
        o.add_child<&seed::OrderItem::order_id>(
            order, seed::OrderItem{.product_id = product, .quantity = 1, .price = 10});
      }
    }
    o.commit();
  }
  void TearDown() override {
    db_.reset();
    EngineTest::TearDown();
  }
  std::uint64_t statements(const char* bind) { return db_->engine(bind).statements(); }
  // Whether a FOR UPDATE in this test's orders database waits for a row lock at the server.
  bool a_read_waits_for_a_lock() { return !lock_waiters().empty(); }

  // The sessions of this test's orders database whose FOR UPDATE waits for a row lock (server
  // engines only).
  std::vector<std::int64_t> lock_waiters() {
    auto admin = db_->session({.begin = Begin::never});
    const char* sql =
        backend() == Backend::postgresql
            ? "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
              "current_database() AND query LIKE '%FOR UPDATE%'"
            // INNODB_TRX is a copy refreshed at most every 0.1 s; PROCESSLIST is live, so a
            // statement that stopped waiting is no longer listed.
            : "SELECT p.ID FROM information_schema.INNODB_TRX t JOIN "
              "information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE "
              "t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE() AND p.COMMAND <> 'Sleep' AND "
              "p.INFO LIKE '%FOR UPDATE%'";
    std::vector<std::int64_t> ids;
    for (const auto& row : admin.execute("orders", sql).rows) ids.push_back(row.at(0).as_int64());
    return ids;
  }

  // Ends the sessions lock_waiters() lists, as an administrator would.
  void terminate_lock_waiters() {
    auto admin = db_->session({.begin = Begin::never});
    for (const std::int64_t id : lock_waiters()) {
      if (backend() == Backend::postgresql) {
        admin.execute("orders", "SELECT pg_terminate_backend(?)", {Value(id)});
      } else {
        admin.connection("orders").execute_script("KILL CONNECTION " + std::to_string(id));
      }
    }
  }

  std::chrono::milliseconds statement_timeout_ = 30s;  // a derived class may shorten it
  DatabaseConfig config_;
  std::optional<Database> db_;
};

}  // namespace manydb::testing
