#include "request.hpp"

#include "manydb/core/percent_decode.hpp"

namespace shop::http {
namespace {

std::string query_decode(std::string_view text) {
  // keep_bad_escapes: the decoder never refuses, so there is always a value.
  return *manydb::percent_decode(text, {.plus_is_space = true, .keep_bad_escapes = true});
}

}  // namespace

void parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query) {
  auto question = target.find('?');
  path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  // A fragment is never sent by conforming clients; drop it if one is.
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = query_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : query_decode(pair.substr(eq + 1));
    query.emplace(std::move(key), std::move(value));  // emplace keeps the first value
  }
}

}  // namespace shop::http
