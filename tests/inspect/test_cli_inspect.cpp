// The CLI end to end, the way a user runs it: generator -> inspect -> JSON lines / exit codes.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "../tools/run.hpp"
#include "supplyguard/inspect/image_io.hpp"

namespace sg::inspect {
namespace {

namespace fs = std::filesystem;
using sg::test::run;

class InspectCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sg-inspect-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string gen = sg::test::supplyguard_gen() + " board --seed 11 --width 2000 --height 1500 ";
    ASSERT_EQ(run(gen + "-o " + p("golden.png")).code, 0);
    ASSERT_EQ(run(gen + "--variant-seed 3 --plant extra --rotate 2.5 --scale 0.97 --brightness 1.15 --noise -o " +
                  p("board.png") + " --truth " + p("truth.json")).code, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string p(const std::string& name) { return (dir_ / name).string(); }
  static std::string inspect_cmd(const std::string& extra = "") {
    return sg::test::supplyguard() + " inspect --golden " + p("golden.png") + " --board " + p("board.png") + " " + extra;
  }
  static fs::path dir_;
};
fs::path InspectCli::dir_;

TEST_F(InspectCli, FindsThePlantedPartAsJsonLines) {
  const auto r = run(inspect_cmd("--annotate " + p("marked.png")));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto truth = nlohmann::json::parse(sg::test::slurp(p("truth.json")));
  const auto f = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(f["plane"], "inspect");
  EXPECT_EQ(f["type"], "extra_component");
  EXPECT_EQ(f["severity"], "high");
  EXPECT_EQ(f["host"], "board");
  const auto& b = f["bbox"];
  const auto& t = truth["plants"][0]["bbox"];
  EXPECT_LT(std::abs(b[0].get<int>() - t[0].get<int>()), 8);
  EXPECT_LT(std::abs(b[1].get<int>() - t[1].get<int>()), 8);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const cv::Mat marked = load_image(p("marked.png"));
  EXPECT_EQ(marked.size(), cv::Size(2000, 1500));
}

TEST_F(InspectCli, TableFormatAndFailOn) {
  const auto r = run(inspect_cmd("--format table --fail-on high --host rack3-u7"));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("extra_component"), std::string::npos);
  EXPECT_NE(r.out.find("rack3-u7"), std::string::npos);
}

TEST_F(InspectCli, SameImageTwiceIsClean) {
  const auto r = run(sg::test::supplyguard() + " inspect --golden " + p("golden.png") + " --board " + p("golden.png"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(InspectCli, BadInputsExitTwoWithMessageNamingTheFile) {
  const std::string png = sg::test::slurp(p("golden.png"));
  std::ofstream(p("empty.png")).close();
  std::ofstream(p("cut.png"), std::ios::binary) << png.substr(0, png.size() / 3);
  std::ofstream(p("text.png")) << "not an image\n";
  cv::Mat small(300, 400, CV_8UC3, cv::Scalar::all(90));
  write_png(p("small.png"), small);
  struct Case {
    std::string file, expect;
  };
  for (const Case& c : {Case{"missing.png", "cannot open"}, Case{"empty.png", "empty file"},
                        Case{"cut.png", "truncated PNG"}, Case{"text.png", "not a PNG or JPEG"},
                        Case{"small.png", "same framing"}}) {
    const auto r = run(sg::test::supplyguard() + " inspect --golden " + p("golden.png") + " --board " + p(c.file));
    EXPECT_EQ(r.code, 2) << c.file;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const auto capped = run(inspect_cmd("--max-pixels 1000000"));
  EXPECT_EQ(capped.code, 2);
  EXPECT_NE(capped.err.find("cap"), std::string::npos) << capped.err;
  const auto badmask = run(inspect_cmd("--mask " + p("small.png")));
  EXPECT_EQ(badmask.code, 2);
  EXPECT_NE(badmask.err.find("golden coordinates"), std::string::npos) << badmask.err;
}

TEST_F(InspectCli, UnrelatedBoardIsRegistrationFailedNotAnError) {
  ASSERT_EQ(run(sg::test::supplyguard_gen() + " board --seed 12 --width 2000 --height 1500 -o " + p("other.png")).code, 0);
  const auto r = run(sg::test::supplyguard() + " inspect --golden " + p("golden.png") + " --board " + p("other.png") +
                     " --annotate " + p("failed.png"));
  EXPECT_EQ(r.code, 0) << r.err;
  const auto f = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(f["type"], "registration_failed");
  EXPECT_FALSE(f["reason"].get<std::string>().empty());
  EXPECT_TRUE(fs::exists(p("failed.png")));
}

TEST_F(InspectCli, HelpHasAnExample) {
  const auto r = run(sg::test::supplyguard() + " inspect --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Example"), std::string::npos);
  EXPECT_NE(r.out.find("--mask"), std::string::npos);
}

}  // namespace
}  // namespace sg::inspect
