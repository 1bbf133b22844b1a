// The one percent-decoder, as the URL parser (strict, '+' is '+') and the shop's query strings
// (lenient, '+' is a space) use it.
#include "manydb/core/percent_decode.hpp"

#include <gtest/gtest.h>

#include <string>

using manydb::percent_decode;

namespace {

TEST(PercentDecode, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(percent_decode("p%40ss%3aw%2Frd%251"), "p@ss:w/rd%1");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%C3%A9"), "\xc3\xa9");
}

TEST(PercentDecode, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b%2B"), "a+b+");
  EXPECT_EQ(percent_decode("a+b%2B", {.plus_is_space = true}), "a b+");
}

TEST(PercentDecode, StrictRefusesAPercentWithoutTwoHexDigits) {
  for (const char* text : {"%", "%4", "a%zz", "%4g", "%%41", "tail%"}) {
    EXPECT_EQ(percent_decode(text), std::nullopt) << text;
  }
}

TEST(PercentDecode, LenientKeepsABadEscapeAndDecodesWhatFollows) {
  const manydb::PercentDecoding lenient{.keep_bad_escapes = true};
  EXPECT_EQ(percent_decode("100%", lenient), "100%");
  EXPECT_EQ(percent_decode("%zz%4%41%2", lenient), "%zz%4A%2");
  EXPECT_EQ(percent_decode("%%41", lenient), "%A");
}

}  // namespace
