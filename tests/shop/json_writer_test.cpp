// JsonWriter: what it writes must parse back to what was given, escapes included.
#include <gtest/gtest.h>
#include <boost/json.hpp>
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
  w.begin_object().key("k\"ey").value(text).key("empty").value("").key("long").value(long_plain);
  w.end_object();
  const auto v = parsed(w);
  EXPECT_EQ(v.at("k\"ey").as_string(), text);
  EXPECT_EQ(v.at("empty").as_string(), "");
  EXPECT_EQ(v.at("long").as_string(), long_plain);
  EXPECT_NE(w.str().find("\\u001f"), std::string::npos);  // control characters as \u00XX
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

}  // namespace
}  // namespace shop
