#include <gtest/gtest.h>

#include "run.hpp"

using sg::test::run;
using sg::test::supplyguard;

TEST(Cli, HelpListsEverySubcommand) {
  auto r = run(supplyguard() + " --help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"snapshot", "baseline", "verify", "hunt", "inspect", "fleet", "serve", "version"})
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  EXPECT_NE(r.out.find("--fail-on"), std::string::npos);
  EXPECT_NE(r.out.find("--format"), std::string::npos);
}

TEST(Cli, EverySubcommandHelpHasAnExample) {
  for (const char* sub : {"snapshot", "baseline", "verify", "hunt", "inspect", "fleet", "serve", "version"}) {
    auto r = run(supplyguard() + " " + sub + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << sub;
  }
}

TEST(Cli, BadFlagExits2AndNamesIt) {
  auto r = run(supplyguard() + " --no-such-flag version");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
}

// Alone, the unknown flag used to be hidden behind "A subcommand is required".
TEST(Cli, BadFlagWithoutSubcommandExits2AndNamesIt) {
  auto r = run(supplyguard() + " --no-such-flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  auto s = run(supplyguard() + " no-such-command");
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(s.err.find("no-such-command"), std::string::npos) << s.err;
}

TEST(Cli, BadFailOnValueExits2) {
  auto r = run(supplyguard() + " --fail-on dire version");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("dire"), std::string::npos) << r.err;
}

TEST(Cli, NoSubcommandExits2) {
  auto r = run(supplyguard());
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, VersionPrints) {
  auto r = run(supplyguard() + " version");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("supplyguard ", 0), 0u);
}
