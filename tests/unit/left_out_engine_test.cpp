// An engine left out of the build (MANYDB_WITH_<NAME>=OFF): its URLs are a ConfigError saying
// how to build it in. The lookup and message are tested on a hand-made list; the build's own
// list, whatever engines it left out, on Url::parse.
#include "manydb/core/left_out_engine.hpp"

#include <gtest/gtest.h>

#include <string>

#include "manydb/core/errors.hpp"
#include "manydb/core/url_scheme.hpp"

using namespace manydb;

namespace {

constexpr std::string_view kSchemes[] = {"postgresql", "postgres"};
const UrlScheme kPostgres{.backend = Backend::postgresql, .schemes = kSchemes, .params = {}};
const LeftOutEngine kLeftOut[] = {{&kPostgres, "PostgreSQL", "MANYDB_WITH_POSTGRESQL"}};

std::string parse_error(const std::string& url) {
  try {
    Url::parse(url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "parsed";
}

}  // namespace

TEST(LeftOutEngine, IsFoundByEverySpellingOfItsSchemeAndByItsBackend) {
  EXPECT_EQ(left_out_engine("postgresql", kLeftOut), &kLeftOut[0]);
  EXPECT_EQ(left_out_engine("postgres", kLeftOut), &kLeftOut[0]);
  EXPECT_EQ(left_out_engine(Backend::postgresql, kLeftOut), &kLeftOut[0]);
  EXPECT_EQ(left_out_engine("oracle", kLeftOut), nullptr);
  EXPECT_EQ(left_out_engine(Backend::sqlite, kLeftOut), nullptr);
}

TEST(LeftOutEngine, MessageSaysHowToBuildTheEngineIn) {
  EXPECT_EQ(left_out_message("postgres", kLeftOut[0]),
            "postgres:// URLs need the PostgreSQL engine, left out of this build: configure "
            "with -DMANYDB_WITH_POSTGRESQL=ON");
}

TEST(LeftOutEngine, ItsUrlsAreAConfigErrorNamingTheOption) {
  for (const LeftOutEngine& engine : left_out_engines()) {
    for (std::string_view scheme : engine.url_scheme->schemes) {
      EXPECT_EQ(parse_error(std::string(scheme) + "://u:p@127.0.0.1/db"),
                left_out_message(scheme, engine));
    }
  }
  EXPECT_NE(parse_error("oracle://u@h/d").find("unknown scheme 'oracle'"), std::string::npos);
}
