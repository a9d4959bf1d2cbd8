#include <gtest/gtest.h>

#include "supplyguard/core/time.hpp"

using namespace sg::core;

TEST(Time, FormatsIso8601Utc) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_iso8601(1700000000123456), "2023-11-14T22:13:20.123456Z");
}

TEST(Time, ParsesWhatItFormatsAndCommonVariants) {
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.123456Z"), 1700000000123456);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20Z"), 1700000000000000);
  EXPECT_EQ(parse_iso8601("2023-11-14 22:13:20.5+00:00"), 1700000000500000);
  EXPECT_FALSE(parse_iso8601("2023-13-14T22:13:20Z"));
  EXPECT_FALSE(parse_iso8601("2023-11-14T22:13:20+02:00"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601(""));
}
