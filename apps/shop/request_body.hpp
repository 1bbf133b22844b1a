#pragma once
// Reading request bodies strictly: a field of the wrong JSON type, a fraction where an integer
// belongs, or a number beyond int64 is a BadRequest (400), never a crash or a 500.
#include <boost/json/value.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace shop {

struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The body as a JSON object, or BadRequest.
boost::json::object parse_object(std::string_view body);
std::int64_t integer_field(const boost::json::object& object, std::string_view name);
std::string string_field(const boost::json::object& object, std::string_view name,
                         std::size_t max_length);

}  // namespace shop
