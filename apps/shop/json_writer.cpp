#include "json_writer.hpp"

#include <algorithm>
#include <cmath>

namespace shop {

void JsonWriter::grow(std::size_t bytes) {
  out_.resize(std::max(out_.size() * 2, len_ + bytes + 256));
}

void JsonWriter::reserve(std::size_t bytes) {
  if (out_.size() < bytes) out_.resize(bytes);
}

std::string JsonWriter::take() {
  out_.resize(len_);
  len_ = 0;
  need_comma_ = false;
  return std::move(out_);
}

JsonWriter& JsonWriter::open(char bracket) {
  char* p = separated(1);
  *p++ = bracket;
  done(p);
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  char* p = room(1);
  *p++ = bracket;
  done(p);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::literal(std::string_view text) {
  char* p = separated(text.size());
  std::memcpy(p, text.data(), text.size());
  done(p + text.size());
  need_comma_ = true;
  return *this;
}

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;

// Whether any of the word's eight bytes is below 0x20, a '"' or a '\\': each test is the
// classic "has a zero byte" trick and sets that byte's high bit. UTF-8 bytes (0x80 and up)
// never match.
bool has_escape(std::uint64_t x) {
  const std::uint64_t quote = x ^ (kOnes * '"'), slash = x ^ (kOnes * '\\');
  const std::uint64_t hits =
      ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash);
  return (hits & kHighs) != 0;
}

bool needs_no_escape(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  for (; end - p >= 8; p += 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    if (has_escape(x)) return false;
  }
  std::uint64_t tail = kOnes * 'a';  // padding that needs no escape
  if (p != end) std::memcpy(&tail, p, static_cast<std::size_t>(end - p));
  return !has_escape(tail);
}

char* put_escaped(char* p, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  *p++ = '\\';
  if (u >= 0x20) {
    *p++ = c;
    return p;
  }
  const char code[] = {'u', '0', '0', kHex[u >> 4], kHex[u & 0xf]};
  std::memcpy(p, code, sizeof code);
  return p + sizeof code;
}

}  // namespace

JsonWriter& JsonWriter::value(std::string_view text) {
  if (!needs_no_escape(text)) {
    escaped(text);
    return *this;
  }
  char* p = separated(text.size() + 2);
  *p++ = '"';
  if (!text.empty()) std::memcpy(p, text.data(), text.size());  // data() may be null
  p += text.size();
  *p++ = '"';
  done(p);
  need_comma_ = true;
  return *this;
}

void JsonWriter::escaped(std::string_view text) {
  char* p = separated(text.size() * 6 + 2);  // every byte as \u00XX at worst
  *p++ = '"';
  for (const char c : text) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      p = put_escaped(p, c);
    } else {
      *p++ = c;
    }
  }
  *p++ = '"';
  done(p);
  need_comma_ = true;
}

JsonWriter& JsonWriter::runtime_key(std::string_view name) {
  value(name);
  *room(1) = ':';
  ++len_;
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::number(double number) {
  if (!std::isfinite(number)) return null();
  char* p = separated(32);  // the longest shortest form is 24 characters
  done(std::to_chars(p, p + 32, number).ptr);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::money(double amount) { return cents(std::llround(amount * 100)); }

JsonWriter& JsonWriter::cents(std::int64_t amount) {
  char* p = separated(24);  // "-92233720368547758.08"
  if (amount < 0) *p++ = '-';
  // The magnitude as unsigned: negating INT64_MIN would overflow.
  const std::uint64_t a =
      amount < 0 ? 0 - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  p = std::to_chars(p, p + 20, a / 100).ptr;
  *p++ = '.';
  *p++ = static_cast<char>('0' + a % 100 / 10);
  *p++ = static_cast<char>('0' + a % 10);
  done(p);
  need_comma_ = true;
  return *this;
}

}  // namespace shop
