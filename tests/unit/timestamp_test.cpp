#include "manydb/core/timestamp.hpp"

#include <gtest/gtest.h>

#include "manydb/core/errors.hpp"

using manydb::Timestamp;

TEST(Timestamp, EpochAndKnownInstants) {
  EXPECT_EQ(Timestamp::parse("1970-01-01 00:00:00").micros, 0);
  // 2026-11-23 12:00:00 UTC is 1795435200 seconds after the epoch (date -ud @1795435200).
  EXPECT_EQ(Timestamp::parse("2026-11-23 12:00:00.123456").micros, 1795435200LL * 1000000 + 123456);
  EXPECT_EQ(Timestamp::parse("2026-11-23T12:00:00.123456Z").to_iso8601(),
            "2026-11-23T12:00:00.123456Z");
  EXPECT_EQ(Timestamp::parse("1969-12-31 23:59:59.5").micros, -500000);
  EXPECT_EQ(Timestamp::parse("1969-12-31 23:59:59.5").to_string(), "1969-12-31 23:59:59.500000");
}

TEST(Timestamp, FormatsEveryFieldWithItsWidth) {
  EXPECT_EQ(Timestamp{253402300799999999}.to_string(), "9999-12-31 23:59:59.999999");
  EXPECT_EQ(Timestamp::from_civil(1, 2, 3, 4, 5, 6, 7).to_iso8601(), "0001-02-03T04:05:06.000007Z");
  EXPECT_EQ(Timestamp{253402300800000000}.to_string(), "10000-01-01 00:00:00.000000");
}

TEST(Timestamp, AcceptedSpellings) {
  const auto expected = Timestamp::from_civil(2024, 2, 29, 23, 59, 58, 100000);
  EXPECT_EQ(Timestamp::parse("2024-02-29 23:59:58.1"), expected);
  EXPECT_EQ(Timestamp::parse("2024-02-29T23:59:58.100000+00"), expected);
  EXPECT_EQ(Timestamp::parse("2024-02-29 23:59:58.100000+00:00"), expected);
  EXPECT_EQ(Timestamp::parse("2024-02-29"), Timestamp::from_civil(2024, 2, 29));
}

TEST(Timestamp, RoundTripsThroughText) {
  for (std::int64_t micros : {0LL, 1LL, -1LL, 253402300799999999LL, 1795435200123456LL}) {
    const Timestamp t{micros};
    EXPECT_EQ(Timestamp::parse(t.to_string()), t) << t.to_string();
  }
}

TEST(Timestamp, RejectsWhatIsNotATimestamp) {
  for (const char* bad :
       {"", "2026", "2026-13-01", "2023-02-29", "2026-01-01 25:00:00", "2026-01-01 10:00",
        "2026-01-01 10:00:00+02", "2026-01-01 10:00:00.", "yesterday"}) {
    EXPECT_THROW(Timestamp::parse(bad), manydb::DataError) << bad;
  }
}
