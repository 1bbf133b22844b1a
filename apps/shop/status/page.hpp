#pragma once
// The status page: one self-contained HTML document (one inline style, one inline script,
// charts drawn on canvases by that script) that fetches /status.json every few seconds.
// For tests and operators: script errors show in #script-errors, and every chart's canvas
// says in data-points how many points it drew.
#include <string_view>

namespace shop::status {

std::string_view status_page_html();

}  // namespace shop::status
