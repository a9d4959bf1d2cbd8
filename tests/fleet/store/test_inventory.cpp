// Inventory CSV: the CMDB export fleet ingest attributes addresses through.
#include <gtest/gtest.h>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

using sg::core::InputError;
using sg::fleet::parse_inventory;

namespace {

// Runs the parser expecting an InputError; returns its message for assertions.
std::string error_of(const std::string& text) {
  try {
    parse_inventory(text, "hosts.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(FleetInventory, ReadsHeaderQuotedFieldsAndBothSeparators) {
  const auto hosts = parse_inventory(
      "\xEF\xBB\xBFhost,model,batch,addresses\r\n"
      "web-1,\"PowerEdge R650, rev B\",2025-03,\"10.1.0.10; 10.99.1.10\"\r\n"
      "web-2,\"Model \"\"X\"\"\",,10.1.0.11 10.99.1.11;fd00::7\r\n"
      "\r\n",
      "hosts.csv");
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "web-1");
  EXPECT_EQ(hosts[0].model, "PowerEdge R650, rev B");
  EXPECT_EQ(hosts[0].batch, "2025-03");
  EXPECT_EQ(hosts[0].addresses, (std::vector<std::string>{"10.1.0.10", "10.99.1.10"}));
  EXPECT_EQ(hosts[1].model, "Model \"X\"");
  EXPECT_EQ(hosts[1].batch, "");
  EXPECT_EQ(hosts[1].addresses, (std::vector<std::string>{"10.1.0.11", "10.99.1.11", "fd00::7"}));
}

TEST(FleetInventory, ColumnsInAnyOrderExtraColumnsIgnoredBatchOptional) {
  const auto hosts = parse_inventory("Addresses,owner,HOST,Model\n10.0.0.1,ops,db-1,R750\n", "x.csv");
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].host, "db-1");
  EXPECT_EQ(hosts[0].model, "R750");
  EXPECT_EQ(hosts[0].addresses, std::vector<std::string>{"10.0.0.1"});
}

TEST(FleetInventory, QuotedFieldMaySpanLinesAndLineNumbersFollow) {
  const auto hosts = parse_inventory("host,model,batch,addresses\na,M,b,\"10.0.0.1\n10.0.0.2\"\nc,M,b,10.0.0.3\n", "x");
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].addresses.size(), 2u);
  // The bad record is on line 5 (the quoted field took lines 2-3).
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,\"10.0.0.1\n10.0.0.2\"\nc,M,b,10.0.0.3\nd,M,b,nope\n")
                .find("hosts.csv:5"),
            std::string::npos);
}

TEST(FleetInventory, HostileAndBrokenInputNamesFileAndLine) {
  EXPECT_NE(error_of("").find("empty inventory"), std::string::npos);
  EXPECT_NE(error_of("name,model\nx,y\n").find("hosts.csv:1: header lacks the \"host\" column"), std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,\"10.0.0.1\n").find("hosts.csv:2: unterminated quoted field"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M\"x,b,10.0.0.1\n").find("hosts.csv:2: quote inside"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\n\"a\"x,M,b,10.0.0.1\n").find("text after a closing quote"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,10.0.0.1,extra\n").find("hosts.csv:2: more fields"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,10.0.0.999\n").find("not an IP address: \"10.0.0.999\""),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,10.0.0.1\na,M,b,10.0.0.2\n").find("hosts.csv:3: host \"a\" appears twice"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\na,M,b,10.0.0.1\nb,M,b,10.0.0.1\n").find("belongs to both a and b"),
            std::string::npos);
  EXPECT_NE(error_of("host,model,batch,addresses\n,M,b,10.0.0.1\n").find("empty host name"), std::string::npos);
  EXPECT_NE(error_of("host,host,model,addresses\n").find("appears twice in the header"), std::string::npos);
}

TEST(FleetInventory, MissingFileIsAnInputError) {
  EXPECT_THROW(sg::fleet::read_inventory("/nonexistent/hosts.csv"), InputError);
}
