// SMBIOS table parsing over the fixture's real-layout tables, and hostile variants.
#include <gtest/gtest.h>

#include "supplyguard/gen/host_tree.hpp"
#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/core/error.hpp"

using namespace sg::attest;
using sg::core::InputError;

TEST(AttestSmbios, ParsesEveryStructureOfTheFixtureTable) {
  const Bytes raw = encode_smbios("A", 7);
  const auto t = parse_smbios(raw, "DMI");
  EXPECT_TRUE(t.saw_end);
  std::map<int, int> count;
  for (const auto& s : t.structures) ++count[s.type];
  EXPECT_EQ(count[0], 1);
  EXPECT_EQ(count[1], 1);
  EXPECT_EQ(count[2], 1);
  EXPECT_EQ(count[3], 1);
  EXPECT_EQ(count[4], 2);
  EXPECT_EQ(count[17], 4);
  EXPECT_EQ(count[127], 1);
  const auto& sys = t.structures[1];
  EXPECT_EQ(sys.str(4), "Supermicro");
  EXPECT_EQ(sys.str(5), "SYS-1029U-TRT");
  EXPECT_EQ(sys.str(200), "");  // beyond the formatted area
}

TEST(AttestSmbios, EveryTruncationIsAnErrorWithAnOffsetOrAShorterTable) {
  const Bytes raw = encode_smbios("B", 3);
  for (std::size_t n = 0; n < raw.size(); ++n) {
    const Bytes cut(raw.begin(), raw.begin() + long(n));
    try {
      const auto t = parse_smbios(cut, "DMI");
      EXPECT_FALSE(t.saw_end) << "cut at " << n;  // only whole structures before the cut
    } catch (const InputError& e) {
      ASSERT_TRUE(e.where().offset.has_value()) << e.what();
      EXPECT_LE(*e.where().offset, n);
      EXPECT_EQ(e.where().source, "DMI");
    }
  }
}

TEST(AttestSmbios, LengthBelowHeaderIsRefusedAtItsOffset) {
  Bytes raw = encode_smbios("A", 1);
  const auto t = parse_smbios(raw, "DMI");
  const std::size_t second = t.structures[1].offset;
  raw[second + 1] = 2;
  try {
    parse_smbios(raw, "DMI");
    FAIL() << "accepted a 2-byte structure";
  } catch (const InputError& e) {
    EXPECT_EQ(*e.where().offset, second);
    EXPECT_NE(std::string(e.what()).find("below 4"), std::string::npos) << e.what();
  }
}

TEST(AttestSmbios, LengthPastTheEndIsRefused) {
  Bytes raw = {1, 0xFF, 0, 0, 1, 2, 3};
  EXPECT_THROW(parse_smbios(raw, "DMI"), InputError);
}

TEST(AttestSmbios, UnterminatedStringSetIsRefused) {
  Bytes raw = {1, 4, 0, 0, 'a', 'b', 'c'};
  try {
    parse_smbios(raw, "DMI");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(*e.where().offset, 4u);
  }
}

TEST(AttestSmbios, PaddingAfterEndMarkerIsIgnored) {
  Bytes raw = encode_smbios("A", 1);
  const auto n = parse_smbios(raw, "DMI").structures.size();
  raw.insert(raw.end(), 64, 0);
  EXPECT_EQ(parse_smbios(raw, "DMI").structures.size(), n);
}
