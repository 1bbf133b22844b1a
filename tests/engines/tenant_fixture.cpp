#include "tenant_fixture.hpp"

namespace manydb::testing {

void TenantTest::SetUp() {
  EngineTest::SetUp();
  if (IsSkipped() || HasFailure()) return;
  sqlite_dir_ =
      std::filesystem::temp_directory_path() / ("manydb-tenants-" + std::to_string(::getpid()));
  std::filesystem::remove_all(sqlite_dir_);
  registry_ = scratch_database("registry");
  accounts_ = scratch_database("accounts");
}

void TenantTest::TearDown() {
  if (db_) {
    try {
      auto tenants = db_->tenants();
      for (const auto& t : tenants.list()) tenants.drop(t.id);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the tenants: " << e.what();
    }
    db_.reset();
  }
  if (!sqlite_dir_.empty()) std::filesystem::remove_all(sqlite_dir_);
  EngineTest::TearDown();
}

std::string TenantTest::tenant_template(const std::string& pattern) const {
  const Url base = url();
  const std::string db = "mdb_" + std::to_string(::getpid()) + "_" + pattern + "_{tenant}";
  if (base.backend == Backend::sqlite) {
    return "sqlite:///" + (sqlite_dir_ / pattern).string() + "/{tenant}.db";
  }
  return std::string(to_string(base.backend)) + "://" + percent_encode(base.user) + ":" +
         percent_encode(base.password) + "@" + base.host + ":" +
         std::to_string(base.port_or_default()) + "/" + db;
}

DatabaseConfig TenantTest::config(const std::string& pattern) const {
  DatabaseConfig c;
  c.set_default(registry_);
  c.add_bind("accounts", accounts_);
  PoolSettings small;
  small.size = 2;
  small.max_overflow = 2;
  c.add_bind("items", tenant_template(pattern), small);
  c.add_bind("notes", tenant_template(pattern), small);
  c.recovery_interval = std::chrono::milliseconds(0);
  return c;
}

Database& TenantTest::open(const DatabaseConfig& c) {
  db_.emplace(c);
  db_->register_models<Item, Note, Account>();
  db_->create_all();
  return *db_;
}

std::unique_ptr<Connection> TenantTest::connect_tenant(const std::string& tenant,
                                                       const std::string& pattern) const {
  return manydb::connect(Url::parse(render_tenant_url(tenant_template(pattern), tenant)),
                         ConnectOptions{"check"});
}

bool TenantTest::tenant_database_exists(const std::string& tenant,
                                        const std::string& pattern) const {
  const Url db = Url::parse(render_tenant_url(tenant_template(pattern), tenant));
  if (db.backend == Backend::sqlite) return std::filesystem::exists(db.sqlite_path());
  const std::string sql = db.backend == Backend::postgresql
                              ? "SELECT count(*) FROM pg_database WHERE datname = ?"
                              : "SELECT count(*) FROM information_schema.schemata WHERE "
                                "schema_name = ?";
  return single_int(*admin_, sql, {Value(db.database)}) > 0;
}

std::size_t TenantTest::tenant_databases() const {
  if (backend() == Backend::sqlite) {
    std::size_t n = 0;
    if (std::filesystem::exists(sqlite_dir_)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(sqlite_dir_))
        n += e.is_regular_file() && e.path().extension() == ".db";
    }
    return n;
  }
  const std::string like = "mdb\\_" + std::to_string(::getpid()) + "\\_%";
  const std::string sql = backend() == Backend::postgresql
                              ? "SELECT count(*) FROM pg_database WHERE datname LIKE ?"
                              : "SELECT count(*) FROM information_schema.schemata WHERE "
                                "schema_name LIKE ?";
  // The fixture's own scratch databases (registry, accounts) match the pattern too.
  return static_cast<std::size_t>(single_int(*admin_, sql, {Value(like)})) - 2;
}

std::int64_t TenantTest::sessions_at_server(Connection& c) const {
  const std::string like = "mdb\\_" + std::to_string(::getpid()) + "\\_t\\_%";
  const std::string sql =
      backend() == Backend::postgresql
          // Autovacuum workers visit new databases too; they are not the application's.
          ? "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE ? AND "
            "backend_type = 'client backend'"
          // A session whose client said goodbye (COM_QUIT) stays listed for a moment after
          // MariaDB closed its socket, as "Killed" or "Quit": it is ending, not open.
          : "SELECT count(*) FROM information_schema.processlist WHERE db LIKE ? AND "
            "command NOT IN ('Quit', 'Killed')";
  return single_int(c, sql, {Value(like)});
}

std::vector<std::string> TenantTest::names_in(Connection& c, const std::string& table) {
  std::vector<std::string> out;
  auto& cursor =
      c.query("SELECT name FROM " + c.dialect().quote_identifier(table) + " ORDER BY name");
  while (cursor.next()) out.emplace_back(cursor.get_text(0));
  return out;
}

}  // namespace manydb::testing
