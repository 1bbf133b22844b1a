#pragma once
// Writes JSON text directly into a string: responses are built once and never re-read, so a
// document tree would only cost time. Money goes out with exactly two decimals.
//
// A product list is thousands of short values, so each write asks for its worst-case room once
// and then stores bytes through a pointer: no per-byte capacity checks, no append calls.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace shop {

// An object key. Keys are the program's own literals, checked here when the program compiles,
// so they are written without looking for characters to escape.
class JsonKey {
 public:
  template <std::size_t N>
  consteval JsonKey(const char (&name)[N])  // implicit, so that w.key("id") reads naturally
      : text_(name, N - 1) {
    for (const char c : text_) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
        throw "a JSON key literal must not need escaping";
      }
    }
  }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(JsonKey name);
  // A key known only at run time (a bind's name): escaped like any string.
  JsonWriter& runtime_key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag) { return literal(flag ? std::string_view("true") : "false"); }
  JsonWriter& null() { return literal("null"); }
  // The shortest text that reads back as `number` (0.25, 1800, 1e-06); null when not finite,
  // which JSON cannot carry.
  JsonWriter& number(double number);
  JsonWriter& money(double amount);        // 999.99
  JsonWriter& cents(std::int64_t amount);  // 99999 -> 999.99

  // Room for `bytes` of output in one allocation.
  void reserve(std::size_t bytes);
  std::string take();
  std::string_view str() const { return {out_.data(), len_}; }

 private:
  // A pointer to at least `bytes` writable bytes at the end of the output.
  char* room(std::size_t bytes) {
    if (out_.size() - len_ < bytes) grow(bytes);
    return out_.data() + len_;
  }
  void grow(std::size_t bytes);
  void done(char* end) { len_ = static_cast<std::size_t>(end - out_.data()); }
  // Writes the ',' every value but a container's first needs; returns where the value goes.
  char* separated(std::size_t bytes) {
    char* p = room(bytes + 1);
    *p = ',';
    return p + need_comma_;
  }
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  JsonWriter& literal(std::string_view text);
  void escaped(std::string_view text);

  std::string out_;  // out_.size() is the room; the first len_ bytes are the JSON so far
  std::size_t len_ = 0;
  bool need_comma_ = false;
};

inline JsonWriter& JsonWriter::key(JsonKey name) {
  const std::string_view k = name.text();
  char* p = separated(k.size() + 3);
  *p++ = '"';
  std::memcpy(p, k.data(), k.size());
  p += k.size();
  *p++ = '"';
  *p++ = ':';
  done(p);
  need_comma_ = false;
  return *this;
}

inline JsonWriter& JsonWriter::value(std::int64_t number) {
  char* p = separated(20);  // "-9223372036854775808"
  done(std::to_chars(p, p + 20, number).ptr);
  need_comma_ = true;
  return *this;
}

}  // namespace shop
