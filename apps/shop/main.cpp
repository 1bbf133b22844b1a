// shop: the seed tutorial's e-commerce service on five databases, over HTTP.
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <system_error>

#include "analytics_config.hpp"
#include "app_log.hpp"
#include "http/http_metrics.hpp"
#include "http/server.hpp"
#include "manydb/cli/migrate_commands.hpp"
#include "manydb/cli/move_commands.hpp"
#include "manydb/cli/revision_command.hpp"
#include "manydb/cli/schema_commands.hpp"
#include "manydb/cli/tenant_commands.hpp"
#include "models.hpp"
#include "page_views.hpp"
#include "seed.hpp"
#include "service.hpp"
#include "status/routes.hpp"
#include "status/sampler.hpp"

namespace {

struct ServeOptions {
  shop::http::ServerOptions server;
  std::string config_file;               // for its [analytics] table
  std::string orders_commit = "atomic";  // or "best-effort"
  std::string page_views;                // "on" or "off": overrides [analytics] page_views
  int cache_names_ms = 0;                // > 0: product names and usernames from a read cache
  std::string send_ahead = "on";         // "off": a request's reads one after another
  int await_block_us = 2000;             // see Service::await_blocking_first
};

int serve(manydb::Database& db, const ServeOptions& options) {
  // Orders that a crash left half-committed are finished before the first request, so none
  // meets rows still locked by them. The recovery thread logs what it did.
  db.recovered_at_open();
  auto analytics = shop::AnalyticsConfig::from_toml_file(options.config_file);
  if (!options.page_views.empty()) analytics.page_views = options.page_views == "on";
  std::optional<shop::PageViewWriter> page_views_storage;
  try {
    page_views_storage.emplace(db, analytics);
  } catch (const std::system_error& e) {  // std::filesystem::filesystem_error is one
    spdlog::error("cannot use the page-view log folder '{}' ([analytics] spill_dir): {}",
                  analytics.spill_dir, e.what());
    return 2;
  }
  auto& page_views = *page_views_storage;
  if (options.cache_names_ms > 0) {
    // GET /orders/{id} shows only their names from it: stock and prices are always read.
    const manydb::ReadCacheSettings cache{.max_entries = 100'000,
                                          .ttl = std::chrono::milliseconds(options.cache_names_ms)};
    db.cache_reads<shop::Product>(cache);
    db.cache_reads<shop::User>(cache);
  }
  shop::Service service(db, page_views,
                        options.orders_commit == "best-effort" ? manydb::Commit::best_effort
                                                               : manydb::Commit::atomic);
  service.send_reads_ahead(options.send_ahead == "on");
  service.await_blocking_first(std::chrono::microseconds(options.await_block_us));
  // The status page's only view of the page-view writer: the views not yet in the database,
  // in memory or in its log.
  shop::status::StatusSampler status(db, [&page_views] {
    const auto stats = page_views.stats();
    return stats.queued + static_cast<std::size_t>(stats.spill_pending);
  });
  shop::http::Router router;
  service.add_routes(router);
  shop::status::add_status_routes(router, status);
  shop::http::HttpMetrics http_metrics(router);
  service.show_http_metrics(&http_metrics);
  shop::http::ServerOptions server_options = options.server;
  server_options.metrics = &http_metrics;
  shop::http::Server server(server_options, router);
  server.catch_signals();  // before serving: a client may stop the server as soon as it answers
  try {
    server.start();
  } catch (const std::system_error& e) {
    spdlog::error(
        "cannot listen on {}:{} ({}); choose another port: make run PORT=N, or shop "
        "serve --port N",
        options.server.host, options.server.port, e.what());
    return 2;
  }
  status.start();
  std::printf("listening on http://%s:%u\n", options.server.host.c_str(), server.port());
  std::fflush(stdout);
  server.run_until_signal();
  status.stop();
  page_views.stop();  // log what is queued, and write the log while time is left
  const auto stats = page_views.stats();
  spdlog::info(
      "stopped; page views logged {}, written {} ({} left in the log for the next start), "
      "dropped {}",
      stats.logged, stats.written, stats.spill_pending, stats.dropped);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each of the request threads its own malloc arena, and every arena keeps the
  // memory of the largest response it built (a product list is ~100 KB): with 16 threads that
  // was most of the shop's RSS. Two arenas keep contention low for these short allocations.
  mallopt(M_ARENA_MAX, 2);
  // glibc gives the kernel back the free memory at the top of an arena once it passes 128 KiB,
  // and SQLite's allocations around each write statement cross that line on every commit: a
  // brk or madvise, then page faults to take the memory back, cost POST /orders on SQLite a
  // quarter of its CPU. Trimming only past 4 MiB keeps that memory, and bounds what is kept.
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  CLI::App app{"shop: the manydb reference e-commerce service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("shop (manydb ") + manydb::version() + ")");
  // Subcommands made after this pass the options they do not know to this app, so that
  // --config is understood before the subcommand (shop --config F serve) and after it.
  app.fallthrough();
  std::string config = "config/shop.toml";
  app.add_option("--config", config, "TOML configuration (default: config/shop.toml)");
  applog::Options log_options;
  applog::add_options(app, log_options);

  ServeOptions serve_options;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the HTTP API");
  serve_cmd->add_option("--port", serve_options.server.port, "port (0: pick a free one)");
  serve_cmd->add_option("--host", serve_options.server.host, "address to listen on");
  serve_cmd->add_option("--threads", serve_options.server.threads, "request threads")
      ->check(CLI::Range(1, 256));
  // best-effort is not crash-safe: it exists to measure what the atomic commit costs.
  serve_cmd
      ->add_option("--orders-commit", serve_options.orders_commit,
                   "how POST /orders commits its two databases: atomic (default) or "
                   "best-effort (not crash-safe; for benchmarks only)")
      ->check(CLI::IsMember({"atomic", "best-effort"}));
  serve_cmd
      ->add_option("--page-views", serve_options.page_views,
                   "record page views: on or off (default: [analytics] page_views)")
      ->check(CLI::IsMember({"on", "off"}));
  serve_cmd
      ->add_option("--cache-names", serve_options.cache_names_ms,
                   "serve the product names and usernames of GET /orders/{id} from a read cache "
                   "that keeps each row this many milliseconds (default 0: off)")
      ->check(CLI::Range(0, 3'600'000));
  // off exists to measure what sending reads ahead saves.
  serve_cmd
      ->add_option("--send-ahead", serve_options.send_ahead,
                   "send a request's reads of several databases at once: on (default) or off "
                   "(one after another; for benchmarks)")
      ->check(CLI::IsMember({"on", "off"}));
  serve_cmd
      ->add_option("--await-block-us", serve_options.await_block_us,
                   "how long GET /orders/{id} and GET /users/{id}/orders wait for a database's "
                   "answer in their thread before they give it up to other requests (default "
                   "2000; 0: at once)")
      ->check(CLI::Range(0, 1'000'000));

  shop::SeedOptions seed_options;
  auto* seed_cmd = app.add_subcommand("seed", "Create the tables and fill them with demo data");
  seed_cmd->add_option("--products", seed_options.products, "products (default 1000)");
  seed_cmd->add_option("--users", seed_options.users, "users (default 1000)");
  seed_cmd->add_option("--orders", seed_options.orders, "orders (default 5000)");
  seed_cmd->add_option("--reviews", seed_options.reviews, "reviews (default 500)");
  seed_cmd->add_flag("--reset", seed_options.reset, "drop and reseed binds that hold data");
  seed_cmd->add_flag("--if-empty", seed_options.if_empty,
                     "seed only when every bind is empty; otherwise say so and succeed");
  seed_cmd->add_option("--tenant", seed_options.tenant,
                       "seed this tenant's products, orders and reviews (configurations with "
                       "tenant binds; create it first with `tenant create`)");

  std::optional<manydb::Database> db;
  auto database = [&]() -> manydb::Database& {
    if (!db) {
      applog::setup(log_options);  // before the recovery thread may log
      // Only the server runs recovery in the background; a command does its work and exits.
      db.emplace(manydb::Database::from_file(
          config, *serve_cmd
                      ? std::nullopt
                      : std::optional<std::chrono::milliseconds>(std::chrono::milliseconds(0))));
      shop::register_models(*db);
    }
    return *db;
  };
  manydb::cli::mount_schema_commands(app, database);
  manydb::cli::mount_tenant_commands(app, database);
  // The shop runs from the repository's root, as its default --config says.
  manydb::cli::mount_migrate_commands(app, database, {.default_dir = "apps/shop/migrations"});
  manydb::cli::mount_revision_command(app, database, {.default_dir = "apps/shop/migrations"});
  manydb::cli::mount_move_commands(app, database);

  try {
    app.parse(argc, argv);
    applog::setup(log_options);
    if (*serve_cmd) {
      serve_options.config_file = config;
      return serve(database(), serve_options);
    }
    if (*seed_cmd) shop::seed(database(), seed_options, std::cout);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const manydb::Error& e) {
    applog::setup(log_options);  // a subcommand's callback may have failed before
    spdlog::error("{}", e.what());
    return 2;
  }
  return 0;
}
