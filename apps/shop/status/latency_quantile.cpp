#include "status/latency_quantile.hpp"

#include <algorithm>
#include <numeric>

namespace shop::status {

void add_bucket_deltas(const manydb::HistogramSnapshot& before,
                       const manydb::HistogramSnapshot& after, std::vector<std::uint64_t>& into) {
  into.resize(std::max(into.size(), after.counts.size()), 0);
  for (std::size_t i = 0; i < after.counts.size(); ++i) {
    const std::uint64_t was = i < before.counts.size() ? before.counts[i] : 0;
    // Counts only grow; a bucket read a moment before another can still not go back.
    into[i] += after.counts[i] > was ? after.counts[i] - was : 0;
  }
}

std::optional<double> quantile(double q, std::span<const double> upper_bounds,
                               std::span<const std::uint64_t> counts) {
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  if (total == 0 || upper_bounds.empty()) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;  // observations in the buckets before bucket i
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (static_cast<double>(below + counts[i]) >= rank && counts[i] > 0) {
      if (i >= upper_bounds.size()) return upper_bounds.back();  // the +Inf bucket
      const double lower = i == 0 ? 0.0 : upper_bounds[i - 1];
      const double share = (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
      return lower + (upper_bounds[i] - lower) * std::clamp(share, 0.0, 1.0);
    }
    below += counts[i];
  }
  return upper_bounds.back();
}

}  // namespace shop::status
