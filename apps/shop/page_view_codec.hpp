#pragma once
// A batch of page views as the bytes of one spill-file record, and back. The layout is
// little-endian: u32 count, then per view i64 event_id, i64 timestamp (µs), u8 flags
// (1: user_id, 2: ip_address), u32 + bytes page, [i64 user_id], [u32 + bytes ip_address].
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models.hpp"

namespace shop {

std::string encode_page_views(std::span<const PageView> views);
// nullopt when `bytes` is not a whole batch as encode_page_views() writes it.
std::optional<std::vector<PageView>> decode_page_views(std::string_view bytes);

// CRC-32 (IEEE 802.3, as zlib's crc32()) of `bytes`: each record's checksum.
std::uint32_t crc32(std::string_view bytes);

}  // namespace shop
