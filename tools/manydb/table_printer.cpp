#include "table_printer.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace manydb::cli {

void print_table(std::ostream& out, const Result& result) {
  if (result.columns.empty()) {
    out << result.rows_affected << (result.rows_affected == 1 ? " row" : " rows") << " affected\n";
    return;
  }
  std::vector<std::size_t> width;
  for (const auto& c : result.columns) width.push_back(c.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : result.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      line.push_back(row[i].to_display());
      width[i] = std::max(width[i], line.back().size());
    }
  }
  auto print_line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      out << (i ? " | " : "") << fields[i] << std::string(width[i] - fields[i].size(), ' ');
    }
    out << '\n';
  };
  print_line(result.columns);
  for (std::size_t i = 0; i < width.size(); ++i)
    out << (i ? "-+-" : "") << std::string(width[i], '-');
  out << '\n';
  for (const auto& line : cells) print_line(line);
  out << "(" << result.rows.size() << (result.rows.size() == 1 ? " row" : " rows") << ")\n";
}

}  // namespace manydb::cli
