// JsonWriter: what it writes must parse back to what was given, escapes included.
#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "json_writer.hpp"

namespace shop {
namespace {

boost::json::value parsed(JsonWriter& w) { return boost::json::parse(w.str()); }

TEST(JsonWriter, StringsRoundTripWithEveryEscape) {
  std::string text = "plain \"quoted\" back\\slash caf\xc3\xa9 ";
  for (int c = 0; c < 0x20; ++c) text.push_back(static_cast<char>(c));
  text += "tail";
  JsonWriter w;
  const std::string long_plain(200, 'x');
  w.begin_object().key("k\u00e9y").value(text).key("empty").value("").key("long").value(long_plain);
  w.runtime_key("run\"time").value(1);
  w.end_object();
  const auto v = parsed(w);
  EXPECT_EQ(v.at("k\u00e9y").as_string(), text);
  EXPECT_EQ(v.at("empty").as_string(), "");
  EXPECT_EQ(v.at("run\"time").as_int64(), 1);
  EXPECT_EQ(v.at("long").as_string(), long_plain);
  EXPECT_NE(w.str().find("\\u001f"), std::string::npos);  // control characters as \u00XX
}

// Strings are scanned eight bytes at a time with a padded tail: an escape at every position of
// every length up to three words must be found.
TEST(JsonWriter, FindsAnEscapeAtEveryPositionOfShortStrings) {
  for (std::size_t length = 0; length <= 24; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      std::string text(length, 'a');
      if (at < length) text[at] = at % 3 == 0 ? '"' : at % 3 == 1 ? '\\' : '\n';
      JsonWriter w;
      w.begin_array().value(text).end_array();
      EXPECT_EQ(parsed(w).as_array().at(0).as_string(), text) << length << " " << at;
    }
  }
}

// No reserve: the writer must grow many times and keep everything written before.
TEST(JsonWriter, GrowsWithoutLosingWhatItWrote) {
  JsonWriter w;
  w.begin_array();
  for (int i = 0; i < 5000; ++i) {
    w.begin_object().key("i").value(i).key("s").value(std::to_string(i)).end_object();
  }
  w.end_array();
  const auto v = parsed(w);
  ASSERT_EQ(v.as_array().size(), 5000u);
  EXPECT_EQ(v.as_array().at(4999).at("s").as_string(), "4999");
  const std::string taken = w.take();
  EXPECT_EQ(taken.size(), taken.find_last_of(']') + 1);  // nothing past the JSON
  w.begin_object().key("again").value(true).end_object();
  EXPECT_EQ(w.str(), R"({"again":true})");
}

TEST(JsonWriter, IntegersAndCentsAtTheirLimits) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  JsonWriter w;
  w.begin_array().value(std::int64_t{0}).value(kMin).value(kMax);
  w.cents(0).cents(5).cents(-5).cents(99999).cents(-1050).cents(kMin).money(19.99).end_array();
  EXPECT_EQ(w.str(),
            "[0,-9223372036854775808,9223372036854775807,0.00,0.05,-0.05,999.99,-10.50,"
            "-92233720368547758.08,19.99]");
  EXPECT_TRUE(parsed(w).is_array());
}

TEST(JsonWriter, NumbersReadBackExactlyAndNonFiniteIsNull) {
  const double values[] = {0.0, 630.5, 1800, 1e-6, 2.0 / 7, -1.5e300, 4503599627370497.0};
  JsonWriter w;
  w.begin_array();
  for (const double v : values) w.number(v);
  w.number(std::numeric_limits<double>::infinity()).number(std::nan("")).end_array();
  EXPECT_EQ(w.str().substr(0, 16), "[0,630.5,1800,1e") << w.str();
  const auto array = parsed(w).as_array();
  ASSERT_EQ(array.size(), std::size(values) + 2) << w.str();
  for (std::size_t i = 0; i < std::size(values); ++i) {
    EXPECT_EQ(array[i].to_number<double>(), values[i]) << w.str();
  }
  EXPECT_TRUE(array[std::size(values)].is_null() && array[std::size(values) + 1].is_null());
}

}  // namespace
}  // namespace shop
