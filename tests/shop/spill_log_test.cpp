// The page views' write-ahead log on real files: records in order, the memory copy of those this
// process appended, segments; what a crash can leave (a torn or corrupt tail, a
// replay position lost or wrong) and what a restart then replays; the [analytics] table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "analytics_config.hpp"
#include "event_ids.hpp"
#include "page_view_codec.hpp"
#include "spill_log.hpp"

namespace fs = std::filesystem;
using shop::PageView;
using shop::SpillLog;

namespace {

std::vector<PageView> views(std::int64_t first_id, int n) {
  std::vector<PageView> out;
  for (int i = 0; i < n; ++i) {
    PageView v{.page = "/products", .timestamp = {.micros = 1000 + i}};
    v.event_id = first_id + i;
    if (i % 2) v.user_id = i;
    if (i % 3) v.ip_address = "127.0.0." + std::to_string(i);
    out.push_back(v);
  }
  return out;
}

std::vector<std::int64_t> ids_of(const std::vector<PageView>& batch) {
  std::vector<std::int64_t> ids;
  for (const auto& v : batch) ids.push_back(*v.event_id);
  return ids;
}

std::vector<std::int64_t> ids_of(const SpillLog::Record& record) { return ids_of(*record.views); }

class SpillLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("spill-log-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<fs::path> segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".spill") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(SpillLogTest, ReplaysInOrder) {
  SpillLog log(dir_, 1 << 20);
  ASSERT_TRUE(log.append(views(1, 3)));
  ASSERT_TRUE(log.append(views(10, 2)));
  EXPECT_EQ(log.pending_events(), 5u);
  auto first = log.oldest();
  ASSERT_TRUE(first);
  EXPECT_EQ(ids_of(*first), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(first->views->at(1).user_id, 1);
  EXPECT_EQ(first->views->at(2).ip_address, "127.0.0.2");
  EXPECT_EQ(first->views->at(0).timestamp.micros, 1000);
  EXPECT_TRUE(first->appended_here);
  EXPECT_EQ(ids_of(*log.oldest()), ids_of(*first)) << "not acknowledged: the same again";
  log.acknowledge();
  EXPECT_EQ(log.pending_events(), 2u);
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{10, 11}));
  log.acknowledge();
  EXPECT_EQ(log.pending_events(), 0u);
  EXPECT_FALSE(log.oldest());
  ASSERT_TRUE(log.append(views(20, 1)));
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{20}));
}

TEST_F(SpillLogTest, AFullSegmentIsFollowedByANewOneAndDeletedOnceAcknowledged) {
  SpillLog log(dir_, 4000);  // segments of 1000 bytes
  std::int64_t id = 1;
  while (segments().size() < 2) ASSERT_TRUE(log.append(views(id++, 1)));
  const auto before = log.bytes();
  for (std::int64_t expected = 1; expected < id; ++expected) {
    const auto record = log.oldest();
    ASSERT_TRUE(record);
    EXPECT_EQ(ids_of(*record), (std::vector<std::int64_t>{expected}));
    log.acknowledge();
  }
  EXPECT_FALSE(log.oldest());
  EXPECT_EQ(segments().size(), 1u) << "the full one deleted, the one appended to kept";
  EXPECT_LT(log.bytes(), before);
  EXPECT_EQ(log.pending_events(), 0u);
}

TEST_F(SpillLogTest, AnAppendIsSplitIntoRecordsOfAtMostTheGivenSize) {
  SpillLog log(dir_, 1 << 20);
  ASSERT_TRUE(log.append(views(1, 5), 2));
  EXPECT_EQ(log.pending_events(), 5u);
  for (const auto& expected : {std::vector<std::int64_t>{1, 2}, {3, 4}, {5}}) {
    EXPECT_EQ(ids_of(*log.oldest()), expected);
    log.acknowledge();
  }
  EXPECT_FALSE(log.oldest());
}

TEST_F(SpillLogTest, OnlyRecordsOfThisProcessAreMarkedAsAppendedHere) {
  {
    SpillLog log(dir_, 1 << 20);
    ASSERT_TRUE(log.append(views(1, 2)));
  }
  SpillLog log(dir_, 1 << 20);
  ASSERT_TRUE(log.append(views(5, 1)));
  auto earlier = log.oldest();
  ASSERT_TRUE(earlier);
  EXPECT_EQ(ids_of(*earlier), (std::vector<std::int64_t>{1, 2}));
  EXPECT_FALSE(earlier->appended_here) << "an earlier process may have written it";
  log.acknowledge();
  auto own = log.oldest();
  ASSERT_TRUE(own);
  EXPECT_EQ(ids_of(*own), (std::vector<std::int64_t>{5}));
  EXPECT_TRUE(own->appended_here);
}

TEST_F(SpillLogTest, RecordsBeyondTheCacheAreReadBackFromTheFile) {
  SpillLog log(dir_, 1 << 20, 3);  // the first record (2 views) fits, the second does not
  ASSERT_TRUE(log.append(views(1, 4), 2));
  const auto segment = segments().at(0);
  {  // the file's bytes gone: only a record kept in memory can still be returned
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(fs::file_size(segment), '\0');
  }
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{1, 2}));
  log.acknowledge();
  EXPECT_THROW(log.oldest(), std::system_error) << "read from the file";
}

TEST_F(SpillLogTest, TheCacheIsFreedAsRecordsAreAcknowledged) {
  SpillLog log(dir_, 1 << 20, 2);
  for (std::int64_t id = 1; id <= 3; ++id) {
    ASSERT_TRUE(log.append(views(id * 10, 2)));
    const auto segment = segments().at(0);
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f << std::string(fs::file_size(segment), '\0');  // each time: the file is never read
    f.close();
    EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{id * 10, id * 10 + 1}));
    log.acknowledge();
  }
}

TEST_F(SpillLogTest, ARestartResumesAtTheReplayPosition) {
  {
    SpillLog log(dir_, 1 << 20);
    ASSERT_TRUE(log.append(views(1, 2)));
    ASSERT_TRUE(log.append(views(5, 3)));
    ASSERT_TRUE(log.oldest());
    log.acknowledge();
  }
  SpillLog log(dir_, 1 << 20);
  EXPECT_EQ(log.pending_events(), 3u);
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{5, 6, 7}));
  ASSERT_TRUE(log.append(views(9, 1)));  // to a new segment, after the old one
  log.acknowledge();
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{9}));
}

TEST_F(SpillLogTest, APositionThatIsNoRecordBoundaryReplaysTheSegmentFromTheStart) {
  {
    SpillLog log(dir_, 1 << 20);
    ASSERT_TRUE(log.append(views(1, 2)));
    ASSERT_TRUE(log.append(views(5, 3)));
  }
  const auto segment = segments().at(0);
  std::ofstream(segment.string() + ".pos", std::ios::trunc) << 7;
  SpillLog log(dir_, 1 << 20);
  EXPECT_EQ(log.pending_events(), 5u);
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SpillLogTest, ATornTailIsIgnored) {
  {
    SpillLog log(dir_, 1 << 20);
    ASSERT_TRUE(log.append(views(1, 2)));
    ASSERT_TRUE(log.append(views(5, 3)));
  }
  const auto segment = segments().at(0);
  fs::resize_file(segment, fs::file_size(segment) - 3);  // the crash cut the last write short
  SpillLog log(dir_, 1 << 20);
  EXPECT_EQ(log.pending_events(), 2u);
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{1, 2}));
  log.acknowledge();
  EXPECT_FALSE(log.oldest());
  EXPECT_TRUE(segments().empty());
}

TEST_F(SpillLogTest, ARecordWithAWrongChecksumEndsTheSegment) {
  {
    SpillLog log(dir_, 1 << 20);
    ASSERT_TRUE(log.append(views(1, 2)));
    ASSERT_TRUE(log.append(views(5, 3)));
  }
  const auto segment = segments().at(0);
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(segment)) - 2);
    f.put('\x7f');  // a byte of the second record's payload
  }
  SpillLog log(dir_, 1 << 20);
  EXPECT_EQ(log.pending_events(), 2u);
  EXPECT_EQ(ids_of(*log.oldest()), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SpillLogTest, AFullLogRefusesAndKeepsWhatItHas) {
  SpillLog log(dir_, 200);
  ASSERT_TRUE(log.append(views(1, 2)));
  EXPECT_FALSE(log.append(views(5, 20)));
  EXPECT_EQ(log.pending_events(), 2u);
}

TEST(PageViewCodec, RefusesTruncatedOrTrailingBytes) {
  const auto batch = views(1, 4);
  const auto bytes = shop::encode_page_views(batch);
  ASSERT_TRUE(shop::decode_page_views(bytes));
  EXPECT_EQ(ids_of(*shop::decode_page_views(bytes)), ids_of(batch));
  EXPECT_FALSE(shop::decode_page_views(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(shop::decode_page_views(bytes + "x"));
  EXPECT_EQ(shop::crc32("123456789"), 0xCBF43926u);  // the standard check value
}

TEST(EventIds, IncreaseAndSurviveTheCounterWrapping) {
  shop::EventIds ids;
  auto last = ids.next();
  for (int i = 0; i < (1 << shop::EventIds::kCounterBits) + 10; ++i) {
    const auto id = ids.next();
    ASSERT_GT(id, last);
    last = id;
  }
  shop::EventIds later;
  EXPECT_GT(later.next() >> shop::EventIds::kCounterBits, 0);
}

TEST(AnalyticsConfig, ReadsTheTableAndNamesTheBadKey) {
  const auto config = shop::AnalyticsConfig::from_toml_string(
      "[database]\nurl = 'sqlite:///x.db'\n[analytics]\nbatch_size = 7\nflush_interval_ms = 9\n"
      "queue_capacity = 70\nspill_dir = 's'\npage_views = false\n",
      "shop.toml");
  EXPECT_EQ(config.batch_size, 7u);
  EXPECT_EQ(config.flush_interval.count(), 9);
  EXPECT_EQ(config.queue_capacity, 70u);
  EXPECT_EQ(config.spill_dir, "s");
  EXPECT_FALSE(config.page_views);
  EXPECT_TRUE(shop::AnalyticsConfig::from_toml_string("[database]\n", "f").page_views);
  auto error_of = [](const std::string& text) {
    try {
      shop::AnalyticsConfig::from_toml_string(text, "shop.toml");
    } catch (const manydb::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("[analytics]\nbatch_size = 0\n"),
            "shop.toml:2:14: [analytics] batch_size must be an integer >= 1");
  EXPECT_NE(error_of("[analytics]\nflush_interval_ms = 'fast'\n").find("flush_interval_ms"),
            std::string::npos);
  EXPECT_NE(error_of("[analytics]\npage_views = 1\n").find("page_views must be true or false"),
            std::string::npos);
  EXPECT_NE(error_of("[analytics]\nbatch = 5\n").find("unknown key 'batch'"), std::string::npos);
  EXPECT_NE(error_of("[analytics]\nbatch_size = 10\nqueue_capacity = 5\n").find("batch_size"),
            std::string::npos);
}

}  // namespace
