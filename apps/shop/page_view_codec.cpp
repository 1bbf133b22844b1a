#include "page_view_codec.hpp"

#include <array>

namespace shop {

namespace {

template <class T>
void put(std::string& out, T value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
}

void put_text(std::string& out, std::string_view text) {
  put(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

// Reads what put() wrote; every read checks the bytes are there.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  template <class T>
  bool get(T& value) {
    if (rest_.size() < sizeof(T)) return false;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      bits |= std::uint64_t{static_cast<unsigned char>(rest_[i])} << (8 * i);
    }
    value = static_cast<T>(bits);
    rest_.remove_prefix(sizeof(T));
    return true;
  }
  bool get_text(std::string& text) {
    std::uint32_t size = 0;
    if (!get(size) || rest_.size() < size) return false;
    text.assign(rest_.substr(0, size));
    rest_.remove_prefix(size);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

constexpr std::uint8_t kHasUser = 1;
constexpr std::uint8_t kHasIp = 2;

bool decode_one(Reader& in, PageView& view) {
  std::int64_t event_id = 0;
  std::uint8_t flags = 0;
  if (!in.get(event_id) || !in.get(view.timestamp.micros) || !in.get(flags)) return false;
  if (flags & ~(kHasUser | kHasIp)) return false;
  view.event_id = event_id;
  if (!in.get_text(view.page)) return false;
  if (flags & kHasUser) {
    std::int64_t user = 0;
    if (!in.get(user)) return false;
    view.user_id = user;
  }
  if (flags & kHasIp) {
    std::string ip;
    if (!in.get_text(ip)) return false;
    view.ip_address = std::move(ip);
  }
  return true;
}

constexpr std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

}  // namespace

std::string encode_page_views(std::span<const PageView> views) {
  std::string out;
  out.reserve(4 + views.size() * 64);
  put(out, static_cast<std::uint32_t>(views.size()));
  for (const auto& view : views) {
    put(out, view.event_id.value_or(0));
    put(out, view.timestamp.micros);
    put(out,
        static_cast<std::uint8_t>((view.user_id ? kHasUser : 0) | (view.ip_address ? kHasIp : 0)));
    put_text(out, view.page);
    if (view.user_id) put(out, *view.user_id);
    if (view.ip_address) put_text(out, *view.ip_address);
  }
  return out;
}

std::optional<std::vector<PageView>> decode_page_views(std::string_view bytes) {
  Reader in(bytes);
  std::uint32_t count = 0;
  if (!in.get(count) || count > bytes.size()) return std::nullopt;  // a view takes > 1 byte
  std::vector<PageView> views(count);
  for (auto& view : views) {
    if (!decode_one(in, view)) return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  return views;
}

std::uint32_t crc32(std::string_view bytes) {
  static constexpr auto kTable = crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace shop
