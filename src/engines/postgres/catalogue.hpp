#pragma once
// Reading this engine's catalogue, for its dialect (Dialect::read_catalogue, classify_type).
#include <string_view>
#include <vector>

#include "manydb/driver/catalogue.hpp"

namespace manydb::engines::postgres {

std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query);
CatalogueType classify_type(std::string_view type);

}  // namespace manydb::engines::postgres
