#include "manydb/observe/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <functional>

namespace manydb {

namespace {

std::string_view type_name(PrometheusWriter::Type type) {
  switch (type) {
    case PrometheusWriter::Type::counter: return "counter";
    case PrometheusWriter::Type::gauge: return "gauge";
    case PrometheusWriter::Type::histogram: return "histogram";
  }
  return "untyped";
}

// The exposition format's escapes: backslash and newline, and in label values the double quote.
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_label_value(std::string_view value) { return escape(value, true); }

std::string escape_help(std::string_view help) { return escape(help, false); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void PrometheusWriter::family(std::string_view name, Type type, std::string_view help) {
  name_ = name;
  out_.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type_name(type)).append("\n");
}

void PrometheusWriter::line(std::string_view suffix, const Labels& labels, std::string_view value,
                            const Label* extra) {
  out_.append(name_).append(suffix);
  if (!labels.empty() || extra) {
    out_ += '{';
    bool first = true;
    auto add = [&](const Label& l) {
      if (!first) out_ += ',';
      first = false;
      out_.append(l.name).append("=\"").append(escape_label_value(l.value)).append("\"");
    };
    for (const Label& l : labels) add(l);
    if (extra) add(*extra);
    out_ += '}';
  }
  out_.append(" ").append(value).append("\n");
}

void PrometheusWriter::sample(const Labels& labels, double value) {
  line("", labels, format_value(value));
}

void PrometheusWriter::sample(const Labels& labels, std::uint64_t value) {
  line("", labels, std::to_string(value));
}

// Buckets are cumulative in the format: each counts every observation up to its bound.
void PrometheusWriter::histogram(const Labels& labels, const HistogramSnapshot& h) {
  if (h.counts.empty()) {  // none observed into it (a default snapshot): +Inf is still required
    const Label inf{"le", "+Inf"};
    line("_bucket", labels, "0", &inf);
    line("_sum", labels, "0");
    line("_count", labels, "0");
    return;
  }
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    const std::string le =
        i < h.upper_bounds.size() ? format_value(h.upper_bounds[i]) : std::string("+Inf");
    const Label bound{"le", le};
    line("_bucket", labels, std::to_string(cumulative), &bound);
  }
  line("_sum", labels, format_value(h.sum));
  line("_count", labels, std::to_string(cumulative));
}

namespace {

using Type = PrometheusWriter::Type;

// One family with a sample per bind (and per value of one more label, when `each` says so).
void per_bind(PrometheusWriter& out, const MetricsSnapshot& m, std::string_view name, Type type,
              std::string_view help, const std::function<void(const BindSnapshot&, Labels)>& each) {
  out.family(name, type, help);
  for (const BindSnapshot& b : m.binds) each(b, Labels{{"bind", b.bind}, {"engine", b.engine}});
}

void write_statements(PrometheusWriter& out, const MetricsSnapshot& m) {
  per_bind(out, m, "manydb_statement_duration_seconds", Type::histogram,
           "Statements run, by kind (read, write, ddl, transaction), and how long each took.",
           [&](const BindSnapshot& b, Labels labels) {
             for (std::size_t k = 0; k < kStatementKinds; ++k) {
               Labels with = labels;
               with.push_back({"kind", statement_kind_name(static_cast<StatementKind>(k))});
               out.histogram(with, b.statements[k]);
             }
           });
  per_bind(out, m, "manydb_errors_total", Type::counter,
           "Errors raised by the bind's statements and commits, by type.",
           [&](const BindSnapshot& b, Labels labels) {
             for (std::size_t k = 0; k < kErrorKinds; ++k) {
               Labels with = labels;
               with.push_back({"type", error_kind_name(static_cast<ErrorKind>(k))});
               out.sample(with, b.errors[k]);
             }
           });
  per_bind(out, m, "manydb_rows_returned_total", Type::counter,
           "Rows read from the bind's statements (counted when the next statement runs or the "
           "connection goes back to its pool).",
           [&](const BindSnapshot& b, Labels labels) { out.sample(labels, b.rows_returned); });
}

void write_transactions(PrometheusWriter& out, const MetricsSnapshot& m) {
  per_bind(out, m, "manydb_transactions_total", Type::counter,
           "Transactions ended through manydb's Transaction, by outcome.",
           [&](const BindSnapshot& b, Labels labels) {
             Labels committed = labels, rolled_back = labels;
             committed.push_back({"outcome", "committed"});
             rolled_back.push_back({"outcome", "rolled_back"});
             out.sample(committed, b.transactions_committed);
             out.sample(rolled_back, b.transactions_rolled_back);
           });
  per_bind(out, m, "manydb_two_phase_total", Type::counter,
           "Two-phase commit branches: prepared, committed, rolled_back, in_doubt, recovered.",
           [&](const BindSnapshot& b, Labels labels) {
             const TwoPhaseCounts& t = b.two_phase;
             const std::pair<std::string_view, std::uint64_t> events[] = {
                 {"prepared", t.prepared},
                 {"committed", t.committed},
                 {"rolled_back", t.rolled_back},
                 {"in_doubt", t.in_doubt},
                 {"recovered", t.recovered}};
             for (const auto& [event, n] : events) {
               Labels with = labels;
               with.push_back({"event", event});
               out.sample(with, n);
             }
           });
}

void pool_value(PrometheusWriter& out, const MetricsSnapshot& m, std::string_view name, Type type,
                std::string_view help, std::uint64_t PoolSnapshot::*field) {
  per_bind(out, m, name, type, help,
           [&](const BindSnapshot& b, Labels labels) { out.sample(labels, b.pool.*field); });
}

void write_pool(PrometheusWriter& out, const MetricsSnapshot& m) {
  per_bind(out, m, "manydb_pool_size", Type::gauge, "Connections the pool keeps when idle.",
           [&](const BindSnapshot& b, Labels l) { out.sample(l, std::uint64_t{b.pool.size}); });
  per_bind(
      out, m, "manydb_pool_max_overflow", Type::gauge,
      "Connections the pool may open beyond its size under load.",
      [&](const BindSnapshot& b, Labels l) { out.sample(l, std::uint64_t{b.pool.max_overflow}); });
  per_bind(out, m, "manydb_pool_connections", Type::gauge,
           "Open connections of the pool, by state (in_use, idle).",
           [&](const BindSnapshot& b, Labels labels) {
             Labels in_use = labels, idle = labels;
             in_use.push_back({"state", "in_use"});
             idle.push_back({"state", "idle"});
             out.sample(in_use, std::uint64_t{b.pool.in_use});
             out.sample(idle, std::uint64_t{b.pool.idle});
           });
  pool_value(out, m, "manydb_pool_acquires_total", Type::counter,
             "Connections handed out by the pool.", &PoolSnapshot::acquired);
  pool_value(out, m, "manydb_pool_waits_total", Type::counter,
             "Acquires that had to wait for a free connection.", &PoolSnapshot::waits);
  per_bind(out, m, "manydb_pool_wait_duration_seconds", Type::histogram,
           "How long the acquires that had to wait waited.",
           [&](const BindSnapshot& b, Labels l) { out.histogram(l, b.pool.wait_seconds); });
  pool_value(out, m, "manydb_pool_timeouts_total", Type::counter,
             "Acquires that gave up with PoolTimeout.", &PoolSnapshot::timeouts);
  pool_value(out, m, "manydb_pool_connections_opened_total", Type::counter,
             "Connections the pool opened.", &PoolSnapshot::opened);
  pool_value(out, m, "manydb_pool_connections_discarded_total", Type::counter,
             "Connections the pool closed because they were dead or broken.",
             &PoolSnapshot::discarded);
  pool_value(out, m, "manydb_pool_failed_fast_total", Type::counter,
             "Acquires refused at once because the bind was down.", &PoolSnapshot::failed_fast);
  per_bind(out, m, "manydb_pool_down", Type::gauge,
           "1 while the bind is down (acquires fail at once), else 0.",
           [&](const BindSnapshot& b, Labels l) { out.sample(l, std::uint64_t{b.pool.down}); });
}

void write_sqlite(PrometheusWriter& out, const MetricsSnapshot& m) {
  MetricsSnapshot sqlite;
  for (const BindSnapshot& b : m.binds) {
    if (b.sqlite) sqlite.binds.push_back(b);
  }
  if (sqlite.binds.empty()) return;
  per_bind(out, sqlite, "manydb_sqlite_write_gate_waits_total", Type::counter,
           "SQLite writers that queued for their file's write gate.",
           [&](const BindSnapshot& b, Labels l) { out.sample(l, b.sqlite->write_gate_waits); });
  per_bind(out, sqlite, "manydb_sqlite_group_commit_syncs_total", Type::counter,
           "WAL fsyncs led by this bind's commits (synchronous=group).",
           [&](const BindSnapshot& b, Labels l) { out.sample(l, b.sqlite->group_commit_syncs); });
}

void write_tenants(PrometheusWriter& out, const TenantCounts& t) {
  const auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    out.family(name, Type::gauge, help);
    out.sample(Labels{}, value);
  };
  const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    out.family(name, Type::counter, help);
    out.sample(Labels{}, value);
  };
  gauge("manydb_tenants_open", "Tenants whose engines are open.", t.open);
  gauge("manydb_tenants_max_open", "Tenants that may be open at once.", t.max_open);
  counter("manydb_tenants_opened_total", "Tenants opened at their first use (cold opens).",
          t.opened);
  counter("manydb_tenants_closed_total", "Tenants closed as the least recently used, or dropped.",
          t.closed);
  gauge("manydb_tenant_connections", "Connections open across every tenant.", t.connections);
  gauge("manydb_tenant_connections_peak", "The most connections open across every tenant at once.",
        t.peak_connections);
  gauge("manydb_tenant_connections_max", "The cap on connections across every tenant.",
        t.max_connections);
}

}  // namespace

void write_prometheus(PrometheusWriter& out, const MetricsSnapshot& metrics) {
  write_statements(out, metrics);
  write_transactions(out, metrics);
  write_pool(out, metrics);
  write_sqlite(out, metrics);
  if (metrics.tenants) write_tenants(out, *metrics.tenants);
}

std::string render_prometheus(const MetricsSnapshot& metrics) {
  PrometheusWriter out;
  write_prometheus(out, metrics);
  return out.take();
}

}  // namespace manydb
