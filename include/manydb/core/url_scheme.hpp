#pragma once
// What a database URL means to one engine: its schemes, its query parameters, its shape. Each
// engine describes its own (src/engines/X); Url::parse reads them through builtin_url_schemes(),
// defined by the build's generated list of engines, so core names no engine.
#include <cstdint>
#include <span>
#include <string_view>

#include "manydb/core/url.hpp"

namespace manydb {

struct UrlScheme {
  Backend backend;
  std::span<const std::string_view> schemes;  // every spelling accepted, lower case
  std::span<const std::string_view> params;   // the documented query parameters
  // sqlite:///relative.db, sqlite:////absolute.db, sqlite:// (memory): a path, no host.
  bool takes_file_path = false;
  std::uint16_t default_port = 0;
};

// The schemes of every engine this build of manydb has.
std::span<const UrlScheme* const> builtin_url_schemes();

// The engine description of `backend`, or nullptr when this build has no such engine.
const UrlScheme* url_scheme_of(Backend backend);

}  // namespace manydb
