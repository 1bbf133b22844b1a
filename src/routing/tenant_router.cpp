#include "manydb/routing/tenant_router.hpp"

#include <algorithm>

#include "manydb/core/errors.hpp"
#include "manydb/core/tenant_id.hpp"

namespace manydb {

namespace {
// The longest database name PostgreSQL keeps whole (it cuts longer ones silently); MariaDB's
// limit is 64.
constexpr std::size_t kMaxDatabaseName = 63;

Url parse_template(const std::string& url_template, std::string_view tenant,
                   const std::string& bind) {
  try {
    return Url::parse(render_tenant_url(url_template, tenant));
  } catch (const ConfigError& e) {
    throw ConfigError("tenant bind '" + bind + "': " + e.what(), bind);
  }
}
}  // namespace

TenantRouter::TenantRouter(std::vector<TenantBind> binds, const TenantSettings& settings,
                           Engine& registry)
    : binds_(std::move(binds)),
      settings_(settings),
      registry_(registry),
      budget_(std::make_shared<ConnectionBudget>(settings.max_connections)) {
  for (const auto& b : binds_) servers_ = std::max(servers_, b.servers.size());
  for (const auto& b : binds_) {
    if (b.servers.size() != servers_) {
      throw ConfigError("tenant bind '" + b.name + "' lists " + std::to_string(b.servers.size()) +
                            " servers, another " + std::to_string(servers_) +
                            ": every tenant bind needs one URL template per server",
                        b.name);
    }
    for (std::size_t s = 0; s < servers_; ++s) parse_template(b.servers[s], "t", b.name);
  }
  budget_->set_reclaimer([this] { return close_an_idle_connection(); });
}

// The tenants still open hold pools whose slots point at the budget: close them first.
TenantRouter::~TenantRouter() {
  std::lock_guard lock(mutex_);
  open_.clear();
}

bool TenantRouter::routes(std::string_view bind) const {
  return std::any_of(binds_.begin(), binds_.end(), [&](const auto& b) { return b.name == bind; });
}

std::string TenantRouter::Placement::engine_name(std::string_view tenant) const {
  std::string name;
  for (const auto& b : binds) name += (name.empty() ? "" : "+") + b;
  return name + "@" + std::string(tenant);
}

std::vector<TenantRouter::Placement> TenantRouter::placements(std::string_view tenant,
                                                              std::size_t server) const {
  validate_tenant_id(tenant);
  if (server >= servers_) {
    throw ConfigError("tenant '" + std::string(tenant) + "' is placed on server " +
                      std::to_string(server) + ", but the tenant binds list " +
                      std::to_string(servers_) + " (servers are only ever appended)");
  }
  std::vector<Placement> out;
  for (const auto& b : binds_) {
    Url url = parse_template(b.servers[server], tenant, b.name);
    if (url.backend != Backend::sqlite && url.database.size() > kMaxDatabaseName) {
      throw ConfigError("tenant bind '" + b.name + "': the database name for tenant '" +
                            std::string(tenant) + "' is longer than 63 characters",
                        b.name);
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const Placement& p) {
      return p.url.redacted() == url.redacted() && p.url.password == url.password;
    });
    if (same == out.end()) {
      out.push_back({std::move(url), {b.name}});
    } else {
      same->binds.push_back(b.name);
    }
  }
  return out;
}

std::shared_ptr<TenantDatabases> TenantRouter::build(std::string_view tenant,
                                                     std::size_t server) const {
  auto dbs = std::make_shared<TenantDatabases>();
  dbs->tenant_ = std::string(tenant);
  dbs->server_ = server;
  for (auto& placement : placements(tenant, server)) {
    const std::string name = placement.engine_name(tenant);
    const TenantBind& first = *std::find_if(binds_.begin(), binds_.end(), [&](const TenantBind& b) {
      return b.name == placement.binds.front();
    });
    // A file the registry lists but that is gone was dropped: it is not made again, empty.
    if (placement.url.backend == Backend::sqlite && !placement.url.params.contains("mode"))
      placement.url.params["mode"] = "rw";
    auto engine = std::make_unique<Engine>(name, std::move(placement.url), first.pool);
    engine->pool().share_budget(budget_);
    engine->metrics().log_statements_slower_than(first.slow_query);
    for (const auto& b : placement.binds) dbs->by_bind_.emplace_back(b, engine.get());
    dbs->engines_.push_back(std::move(engine));
  }
  return dbs;
}

std::shared_ptr<TenantDatabases> TenantRouter::open(std::string_view tenant) {
  validate_tenant_id(tenant);
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = open_.find(std::string(tenant));
    if (it != open_.end() && now - it->second.verified < settings_.refresh) {
      recency_.splice(recency_.begin(), recency_, it->second.recency);
      return it->second.databases;
    }
  }
  const std::optional<TenantRecord> record = registry_.find(tenant);
  std::vector<std::shared_ptr<TenantDatabases>> closing;  // closed outside the lock
  std::lock_guard lock(mutex_);
  auto it = open_.find(std::string(tenant));
  if (!record) {
    if (it != open_.end()) {
      closing.push_back(std::move(it->second.databases));
      recency_.erase(it->second.recency);
      open_.erase(it);
      ++closed_;
    }
    throw UnknownTenant("unknown tenant '" + std::string(tenant) + "'", std::string(tenant));
  }
  if (it != open_.end() && it->second.databases->server() == record->server) {
    it->second.verified = now;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return it->second.databases;
  }
  if (it != open_.end()) {  // dropped and created again elsewhere meanwhile
    closing.push_back(std::move(it->second.databases));
    recency_.erase(it->second.recency);
    open_.erase(it);
  }
  recency_.emplace_front(tenant);
  auto databases = build(tenant, record->server);
  open_.emplace(std::string(tenant), OpenTenant{databases, now, recency_.begin()});
  ++opened_;
  evict_beyond_limit(closing);
  return databases;
}

void TenantRouter::evict_beyond_limit(std::vector<std::shared_ptr<TenantDatabases>>& closing) {
  while (open_.size() > settings_.max_open) {
    auto it = open_.find(recency_.back());
    closing.push_back(std::move(it->second.databases));
    open_.erase(it);
    recency_.pop_back();
    ++closed_;
  }
}

void TenantRouter::close(std::string_view tenant) {
  std::shared_ptr<TenantDatabases> closing;  // destroyed outside the lock
  std::lock_guard lock(mutex_);
  auto it = open_.find(std::string(tenant));
  if (it == open_.end()) return;
  closing = std::move(it->second.databases);
  recency_.erase(it->second.recency);
  open_.erase(it);
  ++closed_;
}

// The least recently used tenants' idle connections go first.
bool TenantRouter::close_an_idle_connection() {
  std::vector<std::shared_ptr<TenantDatabases>> tenants;
  {
    std::lock_guard lock(mutex_);
    tenants.reserve(open_.size());
    for (auto it = recency_.rbegin(); it != recency_.rend(); ++it)
      tenants.push_back(open_.at(*it).databases);
  }
  for (const auto& t : tenants) {
    for (const auto& engine : t->engines()) {
      if (engine->pool().close_one_idle()) return true;
    }
  }
  return false;
}

TenantStats TenantRouter::stats() const {
  TenantStats s;
  {
    std::lock_guard lock(mutex_);
    s.open = open_.size();
    s.max_open = settings_.max_open;
    s.opened = opened_;
    s.closed = closed_;
  }
  s.connections = budget_->in_use();
  s.peak_connections = budget_->peak();
  s.max_connections = budget_->limit();
  return s;
}

}  // namespace manydb
