#include "page_view_store.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace shop {

namespace {

constexpr std::size_t kRowsPerInsert = 100;  // 500 parameters: under every engine's limit

// INSERT INTO page_view (page, user_id, timestamp, ip_address, event_id) VALUES (?, ...), ...
std::string multi_row_insert(const manydb::Dialect& d, std::size_t rows) {
  std::string sql = "INSERT INTO " + d.quote_identifier("page_view") + " (";
  const char* columns[] = {"page", "user_id", "timestamp", "ip_address", "event_id"};
  for (const char* c : columns)
    sql.append(c == columns[0] ? "" : ", ").append(d.quote_identifier(c));
  sql += ") VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
  return sql;
}

}  // namespace

// Plain multi-row INSERTs in one transaction, not a session: a page view needs neither its
// generated key read back (RETURNING) nor a copy of itself kept, and this runs for every view.
void insert_page_views(manydb::Database& db, std::span<const PageView> views) {
  manydb::Engine& engine = db.engine(std::string(PageView::bind_key));
  manydb::Lease lease = engine.connect();
  manydb::Transaction tx(lease);
  std::vector<manydb::Value> params;
  params.reserve(std::min(views.size(), kRowsPerInsert) * 5);
  std::string full;  // the text for kRowsPerInsert rows, made once
  while (!views.empty()) {
    const auto chunk = views.first(std::min(views.size(), kRowsPerInsert));
    params.clear();
    for (const PageView& v : chunk) {
      params.emplace_back(v.page);
      params.emplace_back(v.user_id);
      params.emplace_back(v.timestamp);
      params.emplace_back(v.ip_address);
      params.emplace_back(v.event_id);
    }
    if (chunk.size() == kRowsPerInsert && full.empty()) {
      full = multi_row_insert(engine.dialect(), kRowsPerInsert);
    }
    lease.query(
        chunk.size() == kRowsPerInsert ? full : multi_row_insert(engine.dialect(), chunk.size()),
        params);
    views = views.subspan(chunk.size());
  }
  tx.commit();
}

std::size_t insert_missing_page_views(manydb::Database& db, std::span<const PageView> views) {
  auto s = db.session_for<PageView>();
  std::vector<std::int64_t> ids;
  ids.reserve(views.size());
  for (const auto& view : views) {
    if (view.event_id) ids.push_back(*view.event_id);
  }
  // A record written by an older shop can be a whole queue: asked in slices, under every engine's
  // limit on bound parameters.
  constexpr std::size_t kSlice = 1000;
  std::unordered_set<std::int64_t> written;
  for (std::size_t at = 0; at < ids.size(); at += kSlice) {
    const std::vector<std::int64_t> slice(ids.begin() + at,
                                          ids.begin() + std::min(ids.size(), at + kSlice));
    auto q = s.query<PageView>().where(manydb::col(&PageView::event_id).in(slice));
    for (const auto& row : q.all()) written.insert(*row.event_id);
  }
  for (const auto& view : views) {
    if (!view.event_id || !written.contains(*view.event_id)) s.add(view);
  }
  s.commit();
  return written.size();
}

}  // namespace shop
