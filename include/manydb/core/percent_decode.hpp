#pragma once
// Percent-decoding (%XX escapes), one implementation for the database URL parser and the
// shop's query strings. They differ only in what '+' means and in what a '%' without two hex
// digits does, which each says through PercentDecoding.
#include <optional>
#include <string>
#include <string_view>

namespace manydb {

struct PercentDecoding {
  // '+' as a space: the form encoding that query strings use. Elsewhere in a URL '+' is itself.
  bool plus_is_space = false;
  // A '%' not followed by two hex digits is kept as written, as most HTTP servers do, instead
  // of making the whole text invalid.
  bool keep_bad_escapes = false;
};

// `text` with its escapes decoded; nullopt when it holds a '%' that is not followed by two hex
// digits (never with keep_bad_escapes).
std::optional<std::string> percent_decode(std::string_view text, PercentDecoding how = {});

}  // namespace manydb
