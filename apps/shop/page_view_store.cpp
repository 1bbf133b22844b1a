#include "page_view_store.hpp"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace shop {

void insert_page_views(manydb::Database& db, std::span<const PageView> views) {
  auto s = db.session_for<PageView>();
  for (const auto& view : views) s.add(view);
  s.commit();
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
