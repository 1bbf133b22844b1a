#include "spill_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "page_view_codec.hpp"

namespace shop {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeader = 8;
constexpr std::uint32_t kMaxPayload = 256 << 20;  // larger: a corrupt length, not a record

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

std::uint32_t read_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

void write_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// The payload of the whole, intact record at `offset` of `data`; nullopt for a torn or
// corrupt one.
std::optional<std::string_view> record_at(std::string_view data, std::uint64_t offset) {
  if (data.size() < offset + kHeader) return std::nullopt;
  const auto length = read_u32(data.data() + offset);
  const auto checksum = read_u32(data.data() + offset + 4);
  if (length < 4 || length > kMaxPayload || data.size() - offset - kHeader < length)
    return std::nullopt;
  const auto payload = data.substr(offset + kHeader, length);
  if (crc32(payload) != checksum) return std::nullopt;
  return payload;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The record at `offset` of the file `fd`, whose whole records end at `end`.
std::optional<std::string> read_record(int fd, std::uint64_t offset, std::uint64_t end) {
  char header[kHeader];
  if (end < offset + kHeader || ::pread(fd, header, kHeader, static_cast<off_t>(offset)) != kHeader)
    return std::nullopt;
  const auto length = read_u32(header);
  if (length < 4 || length > end - offset - kHeader) return std::nullopt;
  std::string payload(length, '\0');
  if (::pread(fd, payload.data(), length, static_cast<off_t>(offset + kHeader)) != length ||
      crc32(payload) != read_u32(header + 4))
    return std::nullopt;
  return payload;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read", path);
  std::ostringstream data;
  data << in.rdbuf();
  return std::move(data).str();
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync", dir);
}

// "page-views-000000000042.spill" -> 42; nullopt for any other name.
std::optional<std::uint64_t> segment_number(const std::string& name) {
  static constexpr std::string_view kPrefix = "page-views-", kSuffix = ".spill";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  const auto digits =
      std::string_view(name).substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

SpillLog::SpillLog(fs::path dir, std::uint64_t max_bytes, std::size_t cached_views)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      segment_bytes_(std::max<std::uint64_t>(1, std::min(kSegmentBytes, max_bytes / 4))),
      cache_limit_(cached_views) {
  fs::create_directories(dir_);
  std::vector<std::uint64_t> numbers;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (auto n = segment_number(entry.path().filename().string())) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  for (auto n : numbers) scan(n);
  if (!numbers.empty()) next_number_ = numbers.back() + 1;
  first_own_segment_ = next_number_;
}

SpillLog::~SpillLog() {
  if (fd_ >= 0) ::close(fd_);
}

fs::path SpillLog::segment_path(std::uint64_t number) const {
  char name[40];
  std::snprintf(name, sizeof name, "page-views-%012llu.spill",
                static_cast<unsigned long long>(number));
  return dir_ / name;
}

fs::path SpillLog::position_path(std::uint64_t number) const {
  auto path = segment_path(number);
  path += ".pos";
  return path;
}

// A segment of an earlier process: its whole records, and where its replay had got to (a
// position that is not the end of a record is not trusted: replay starts over).
void SpillLog::scan(std::uint64_t number) {
  const auto data = read_file(segment_path(number));
  std::uint64_t position = 0;
  if (std::ifstream pos(position_path(number)); pos) pos >> position;
  Segment segment{.number = number};
  std::vector<std::pair<std::uint64_t, std::uint32_t>> records;  // (end, views)
  while (auto payload = record_at(data, segment.size)) {
    segment.size += kHeader + payload->size();
    records.emplace_back(segment.size, read_u32(payload->data()));
  }
  if (std::none_of(records.begin(), records.end(), [&](auto r) { return r.first == position; }))
    position = 0;
  segment.replayed = position;
  for (const auto& [end, views] : records) {
    if (end > position) pending_events_ += views;
  }
  segments_.push_back(segment);
  bytes_ += segment.size;
}

void SpillLog::start_segment_if_due() {
  if (fd_ >= 0) {
    std::lock_guard lock(mutex_);
    if (segments_.back().size < segment_bytes_) return;
    segments_.back().appending = false;  // oldest() deletes it once acknowledged
    ::close(fd_);
    fd_ = -1;
  }
  const auto number = next_number_++;
  const auto path = segment_path(number);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create", path);
  sync_directory(dir_);  // the new file's name survives a crash too
  std::lock_guard lock(mutex_);
  segments_.push_back(Segment{.number = number, .appending = true});
}

bool SpillLog::append(std::span<const PageView> views, std::size_t views_per_record) {
  views_per_record = std::max<std::size_t>(views_per_record, 1);
  std::string bytes;
  std::vector<Encoded> records;
  for (auto rest = views; !rest.empty();) {
    const auto chunk = rest.first(std::min(rest.size(), views_per_record));
    rest = rest.subspan(chunk.size());
    const auto payload = encode_page_views(chunk);
    const auto offset = bytes.size();
    write_u32(bytes, static_cast<std::uint32_t>(payload.size()));
    write_u32(bytes, crc32(payload));
    bytes += payload;
    records.push_back(Encoded{.offset = offset, .end = bytes.size(), .views = chunk});
  }
  if (bytes.empty()) return true;
  std::lock_guard append_lock(append_mutex_);
  if (bytes_ + bytes.size() > max_bytes_) return false;
  start_segment_if_due();
  std::uint64_t number = 0, start = 0;
  {
    std::lock_guard lock(mutex_);
    number = segments_.back().number;
    start = segments_.back().size;
  }
  // Written and synced without mutex_: the reader does not look past the segment's size.
  if (!write_all(fd_, bytes) || ::fdatasync(fd_) != 0) {
    const int error = errno;
    (void)!::ftruncate(fd_, static_cast<off_t>(start));  // leave no torn record
    errno = error;
    fail("cannot append to", segment_path(number));
  }
  std::lock_guard lock(mutex_);
  segments_.back().size += bytes.size();
  bytes_ += bytes.size();
  pending_events_ += views.size();
  cache(number, start, records);
  return true;
}

void SpillLog::cache(std::uint64_t segment, std::uint64_t start,
                     const std::vector<Encoded>& records) {
  for (const auto& record : records) {
    if (cached_views_ + record.views.size() > cache_limit_) continue;  // read back later
    cache_.push_back(Cached{.segment = segment,
                            .offset = start + record.offset,
                            .end = start + record.end,
                            .views = std::make_shared<const std::vector<PageView>>(
                                record.views.begin(), record.views.end())});
    cached_views_ += record.views.size();
  }
}

std::optional<SpillLog::Record> SpillLog::oldest() {
  std::lock_guard lock(mutex_);
  while (!segments_.empty()) {
    const auto& segment = segments_.front();
    if (segment.replayed < segment.size) {
      Record record{.views = nullptr, .appended_here = segment.number >= first_own_segment_};
      const auto position = std::make_pair(segment.number, segment.replayed);
      while (!cache_.empty() &&
             std::make_pair(cache_.front().segment, cache_.front().offset) < position) {
        cached_views_ -= cache_.front().views->size();  // cannot happen; never leaks if it does
        cache_.pop_front();
      }
      if (!cache_.empty() && cache_.front().segment == segment.number &&
          cache_.front().offset == segment.replayed) {
        record.views = cache_.front().views;
        unacknowledged_end_ = cache_.front().end;
      } else {
        record.views = read_at(segment);
      }
      unacknowledged_count_ = record.views->size();
      return record;
    }
    if (segment.appending) break;  // appends go on after what is acknowledged
    remove_front();
  }
  return std::nullopt;
}

// The record at the front segment's replay position, from the file; sets unacknowledged_end_.
std::shared_ptr<const std::vector<PageView>> SpillLog::read_at(const Segment& segment) {
  const auto path = segment_path(segment.number);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path);
  const auto payload = read_record(fd, segment.replayed, segment.size);
  ::close(fd);
  auto views = payload ? decode_page_views(*payload) : std::nullopt;
  if (!views) {
    errno = EIO;
    fail("a record that was whole is now unreadable in", path);
  }
  unacknowledged_end_ = segment.replayed + kHeader + payload->size();
  return std::make_shared<const std::vector<PageView>>(std::move(*views));
}

void SpillLog::acknowledge() {
  std::lock_guard lock(mutex_);
  if (segments_.empty() || unacknowledged_count_ == 0) return;
  auto& segment = segments_.front();
  if (!cache_.empty() && cache_.front().segment == segment.number &&
      cache_.front().offset == segment.replayed) {
    cached_views_ -= cache_.front().views->size();
    cache_.pop_front();
  }
  segment.replayed = unacknowledged_end_;
  pending_events_ -= unacknowledged_count_;
  unacknowledged_count_ = 0;
  write_position(segment);
}

void SpillLog::write_position(const Segment& segment) const {
  // Not fsynced: a position lost to a crash only means re-reading what the ids then skip.
  std::ofstream(position_path(segment.number), std::ios::trunc) << segment.replayed;
}

void SpillLog::remove_front() {
  const auto& segment = segments_.front();
  std::error_code ignored;
  fs::remove(segment_path(segment.number), ignored);
  fs::remove(position_path(segment.number), ignored);
  bytes_ -= segment.size;
  segments_.pop_front();
}

}  // namespace shop
