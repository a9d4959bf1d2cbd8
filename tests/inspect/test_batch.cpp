// Batch mode: the --pairs parser on good and hostile text, and the CLI over a pairs file with a
// missing image and a malformed line (named on stderr, the rest inspected, exit 2 at the end)
// and over one golden against several boards.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../tools/run.hpp"
#include "supplyguard/inspect/batch.hpp"

namespace sg::inspect {
namespace {

namespace fs = std::filesystem;
using sg::test::run;

TEST(InspectPairs, ParsesFieldsCommentsAndCrlf) {
  const PairList l = parse_pairs("# golden\tboard\thost\ng.png\tb1.png\r\n\ng.png\tb2.png\track1-u7\n", "p.tsv");
  EXPECT_TRUE(l.errors.empty());
  ASSERT_EQ(l.pairs.size(), 2u);
  EXPECT_EQ(l.pairs[0].golden, "g.png");
  EXPECT_EQ(l.pairs[0].board, "b1.png");
  EXPECT_EQ(l.pairs[0].host, "");
  EXPECT_EQ(l.pairs[0].line, 2u);
  EXPECT_EQ(l.pairs[1].host, "rack1-u7");
  EXPECT_EQ(l.pairs[1].line, 4u);
}

TEST(InspectPairs, MalformedLinesAreNamedAndSkipped) {
  const std::string text = std::string("only-one-field\n") + "a\tb\tc\td\n" + "\tb.png\n" + "g.png\t\n" +
                           std::string("g\0x.png\tb.png\n", 14) + std::string(5000, 'x') + "\tb\n" + "g.png\tok.png";
  const PairList l = parse_pairs(text, "p.tsv");
  ASSERT_EQ(l.pairs.size(), 1u);
  EXPECT_EQ(l.pairs[0].board, "ok.png");
  EXPECT_EQ(l.pairs[0].line, 7u);
  ASSERT_EQ(l.errors.size(), 6u);
  EXPECT_EQ(std::string(l.errors[0].what()), "p.tsv:1: byte 0: 1 tab-separated field: expected GOLDEN<TAB>BOARD[<TAB>HOST]");
  EXPECT_NE(std::string(l.errors[1].what()).find("p.tsv:2: byte 15: 4 tab-separated fields"), std::string::npos);
  EXPECT_NE(std::string(l.errors[2].what()).find("empty golden path"), std::string::npos);
  EXPECT_NE(std::string(l.errors[3].what()).find("empty board path"), std::string::npos);
  EXPECT_NE(std::string(l.errors[4].what()).find("NUL byte"), std::string::npos);
  EXPECT_NE(std::string(l.errors[5].what()).find("over the 4096-byte limit"), std::string::npos);
}

TEST(InspectPairs, MissingPairsFileIsAnInputError) {
  EXPECT_THROW(load_pairs("/nonexistent/pairs.tsv"), core::InputError);
}

class InspectBatchCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sg-inspect-batch-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string gen = sg::test::supplyguard_gen() + " board --seed 15 --width 1200 --height 900 ";
    ASSERT_EQ(run(gen + "-o " + p("golden.png")).code, 0);
    ASSERT_EQ(run(gen + "--variant-seed 1 --plant extra --rotate 2 -o " + p("b1.png")).code, 0);
    ASSERT_EQ(run(gen + "--variant-seed 2 --brightness 1.1 -o " + p("b2.png")).code, 0);
    ASSERT_EQ(run(gen + "--variant-seed 3 --plant extra --plant extra -o " + p("b3.png")).code, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string p(const std::string& name) { return (dir_ / name).string(); }
  static std::vector<nlohmann::json> lines(const std::string& out) {
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
    return v;
  }
  static fs::path dir_;
};
fs::path InspectBatchCli::dir_;

TEST_F(InspectBatchCli, PairsFileStreamsPerHostAndNamesTheBadLines) {
  std::ofstream(p("pairs.tsv")) << "# golden\tboard\thost\n"
                                << p("golden.png") << "\t" << p("b1.png") << "\track1-u1\n"
                                << p("golden.png") << "\t" << p("nosuch.png") << "\track1-u2\n"
                                << "just-one-field\n"
                                << p("golden.png") << "\t" << p("b2.png") << "\track1-u3\n"
                                << p("golden.png") << "\t" << p("b3.png") << "\n";
  const auto r = run(sg::test::supplyguard() + " inspect --pairs " + p("pairs.tsv"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(p("pairs.tsv") + ":3: " + p("nosuch.png") + ": cannot open file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(p("pairs.tsv") + ":4: byte"), std::string::npos) << r.err;
  const auto f = lines(r.out);
  ASSERT_EQ(f.size(), 3u) << r.out;  // one extra on b1, nothing on b2, two extras on b3
  EXPECT_EQ(f[0]["host"], "rack1-u1");
  EXPECT_EQ(f[0]["type"], "extra_component");
  EXPECT_EQ(f[1]["host"], "b3");  // no HOST column: the board file name
  EXPECT_EQ(f[2]["host"], "b3");
  EXPECT_EQ(f[1]["type"], "extra_component");
}

TEST_F(InspectBatchCli, OneGoldenAgainstSeveralBoardsInOrder) {
  const auto r = run(sg::test::supplyguard() + " inspect --threads 2 --golden " + p("golden.png") + " --board " +
                     p("b3.png") + " " + p("b2.png") + " " + p("b1.png"));
  EXPECT_EQ(r.code, 0) << r.err;
  const auto f = lines(r.out);
  ASSERT_EQ(f.size(), 3u) << r.out;
  EXPECT_EQ(f[0]["host"], "b3");
  EXPECT_EQ(f[1]["host"], "b3");
  EXPECT_EQ(f[2]["host"], "b1");
}

TEST_F(InspectBatchCli, OptionsForOneBoardAreRefusedInBatch) {
  const auto r = run(sg::test::supplyguard() + " inspect --golden " + p("golden.png") + " --board " + p("b1.png") + " " +
                     p("b2.png") + " --host x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("one board"), std::string::npos) << r.err;
  const auto missing = run(sg::test::supplyguard() + " inspect --pairs " + p("absent.tsv"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("absent.tsv: cannot open file"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sg::inspect
