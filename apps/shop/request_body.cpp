#include "request_body.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace shop {

boost::json::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) throw BadRequest("the body is not valid JSON: " + ec.message());
  if (!value.is_object()) throw BadRequest("the body must be a JSON object");
  return std::move(value.as_object());
}

std::int64_t integer_field(const boost::json::object& object, std::string_view name) {
  const auto* v = object.if_contains(name);
  if (!v || v->is_null()) throw BadRequest("'" + std::string(name) + "' is required");
  if (v->is_int64()) return v->as_int64();
  throw BadRequest("'" + std::string(name) + "' must be an integer");
}

std::string string_field(const boost::json::object& object, std::string_view name,
                         std::size_t max_length) {
  const auto* v = object.if_contains(name);
  if (!v || v->is_null()) throw BadRequest("'" + std::string(name) + "' is required");
  if (!v->is_string()) throw BadRequest("'" + std::string(name) + "' must be a string");
  const auto& s = v->as_string();
  if (s.empty()) throw BadRequest("'" + std::string(name) + "' must not be empty");
  // Lengths count characters (code points), as varchar(n) does; the parser already
  // refused invalid UTF-8, so counting the bytes that start a character is enough.
  const auto characters = std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  if (static_cast<std::size_t>(characters) > max_length) {
    throw BadRequest("'" + std::string(name) + "' is longer than " + std::to_string(max_length) +
                     " characters");
  }
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      throw BadRequest("'" + std::string(name) + "' must not contain control characters");
    }
  }
  return std::string(s.data(), s.size());
}

}  // namespace shop
