#include "json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace shop {

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  value(name);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

namespace {
bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// The first character that needs an escape, or end. Eight bytes at a time: a byte below 0x20,
// a '"' or a '\\' anywhere in the word sets a high bit (the classic "has a zero byte" tests),
// and only then is the word looked at byte by byte. UTF-8 bytes (0x80 and up) never match.
const char* find_escape(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  while (end - p >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    const std::uint64_t quote = x ^ (kOnes * '"'), slash = x ^ (kOnes * '\\');
    const std::uint64_t hits =
        ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash);
    if (hits & kHighs) break;
    p += 8;
  }
  return std::find_if(p, end, needs_escape);
}

void append_escaped(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20) {
    out.push_back('\\');
    out.push_back(c);
    return;
  }
  const char code[] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf]};
  out.append(code, sizeof code);
}

void append_integer(std::string& out, std::int64_t number) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  out.append(buf, static_cast<std::size_t>(end - buf));
}
}  // namespace

// A product list is thousands of short strings with nothing to escape: those go out in one
// append of the comma, the quotes and the text; the rest in runs between escapes.
JsonWriter& JsonWriter::value(std::string_view text) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  const char* first_escape = find_escape(begin, end);
  if (first_escape == end && text.size() <= kShort) {
    char buf[kShort + 3];
    std::size_t n = 0;
    if (need_comma_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, begin, text.size());
    n += text.size();
    buf[n++] = '"';
    out_.append(buf, n);
    need_comma_ = true;
    return *this;
  }
  separate();
  out_.push_back('"');
  const char* run = begin;
  for (const char* p = first_escape; p != end; ++p) {
    if (!needs_escape(*p)) continue;  // UTF-8 passes through
    out_.append(run, static_cast<std::size_t>(p - run));
    append_escaped(out_, *p);
    run = p + 1;
  }
  out_.append(run, static_cast<std::size_t>(end - run));
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  append_integer(out_, number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::money(double amount) { return cents(std::llround(amount * 100)); }

JsonWriter& JsonWriter::cents(std::int64_t amount) {
  separate();
  if (amount < 0) out_.push_back('-');
  // The magnitude as unsigned: negating INT64_MIN would overflow.
  const std::uint64_t a =
      amount < 0 ? 0 - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, a / 100).ptr;
  out_.append(buf, static_cast<std::size_t>(end - buf));
  const char fraction[] = {'.', static_cast<char>('0' + a % 100 / 10),
                           static_cast<char>('0' + a % 10)};
  out_.append(fraction, sizeof fraction);
  return *this;
}

}  // namespace shop
