#pragma once
// Writes JSON text directly into a string: responses are built once and never re-read, so a
// document tree would only cost time. Money goes out with exactly two decimals.
#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  JsonWriter& money(double amount);        // 999.99
  JsonWriter& cents(std::int64_t amount);  // 99999 -> 999.99

  void reserve(std::size_t bytes) { out_.reserve(bytes); }
  std::string take() { return std::move(out_); }
  const std::string& str() const { return out_; }

 private:
  void separate();
  static constexpr std::size_t kShort = 64;  // strings written with one append
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace shop
