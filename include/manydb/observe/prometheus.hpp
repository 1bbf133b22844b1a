#pragma once
// The Prometheus text exposition format, version 0.0.4: each family's "# HELP" and "# TYPE"
// once, then its samples; label values escaped (\\, \", \n); a histogram as cumulative
// "_bucket{le="..."}" lines up to le="+Inf", then "_sum" and "_count". An application
// renders the library's metrics with render_prometheus and appends its own with the writer.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/observe/histogram.hpp"
#include "manydb/observe/metrics_snapshot.hpp"

namespace manydb {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct Label {
  std::string_view name;
  std::string_view value;
};
using Labels = std::vector<Label>;

class PrometheusWriter {
 public:
  enum class Type { counter, gauge, histogram };

  // Starts a family; its samples must follow before the next family starts. `name` and the
  // label names must be valid metric names ([a-zA-Z_:][a-zA-Z0-9_:]*): they come from code.
  void family(std::string_view name, Type type, std::string_view help);
  // One sample of the current counter or gauge family.
  void sample(const Labels& labels, double value);
  void sample(const Labels& labels, std::uint64_t value);
  // One labelled histogram of the current histogram family.
  void histogram(const Labels& labels, const HistogramSnapshot& h);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void line(std::string_view suffix, const Labels& labels, std::string_view value,
            const Label* extra = nullptr);

  std::string out_;
  std::string name_;
};

// Every bind's metrics as families named manydb_* (docs/observability.md).
void write_prometheus(PrometheusWriter& out, const MetricsSnapshot& metrics);
std::string render_prometheus(const MetricsSnapshot& metrics);

// A label value or a HELP text as the format wants it: backslash and newline escaped, and the
// double quote too in a label value.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction, +Inf/-Inf/NaN spelled as the format does.
std::string format_value(double value);

}  // namespace manydb
