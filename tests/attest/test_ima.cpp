// IMA runtime measurement lists: both formats, template hashes, PCR 10 replay, hostile input,
// real lists beside the project, and the runtime policy findings.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>

#include "supplyguard/attest/attest.hpp"
#include "supplyguard/attest/ima.hpp"
#include "supplyguard/core/error.hpp"
#include "tree_util.hpp"

namespace sg::attest {
namespace {

namespace fs = std::filesystem;

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Independent SHA-256 / SHA-1 (OpenSSL one-shot, not our hash()).
Bytes digest(const char* md, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_get_digestbyname(md), nullptr);
  out.resize(n);
  return out;
}

void le32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}

// The ima-ng template data as the kernel lays it out, written out by hand.
Bytes ima_ng_data(const std::string& path, const Bytes& file_sha256) {
  Bytes d, f = {'s', 'h', 'a', '2', '5', '6', ':', 0};
  f.insert(f.end(), file_sha256.begin(), file_sha256.end());
  le32(d, std::uint32_t(f.size()));
  d.insert(d.end(), f.begin(), f.end());
  le32(d, std::uint32_t(path.size() + 1));
  d.insert(d.end(), path.begin(), path.end());
  d.push_back(0);
  return d;
}

const fs::path kRealIma = fs::path(SG_SOURCE_DIR) / "../shared/real/ima";

TEST(AttestIma, ReplayMatchesAHandComputedPcr10WithViolation) {
  ImaList list;
  const Bytes fd1 = digest("SHA256", {1, 2, 3}), fd2 = digest("SHA256", {4});
  list.entries.push_back(make_ima_ng_entry("/usr/bin/a", kAlgSha256, fd1));
  list.entries.push_back(make_ima_ng_entry("/usr/bin/b", kAlgSha256, fd2));
  auto violation = make_ima_ng_entry("/var/log/x", kAlgSha256, Bytes(32, 0));
  violation.template_hash.assign(20, 0);
  list.entries.push_back(violation);
  EXPECT_EQ(list.entries[0].template_data, ima_ng_data("/usr/bin/a", fd1));
  EXPECT_EQ(list.entries[0].template_hash, digest("SHA1", ima_ng_data("/usr/bin/a", fd1)));

  for (const char* md : {"SHA1", "SHA256"}) {
    const std::size_t n = std::string(md) == "SHA1" ? 20 : 32;
    Bytes pcr(n, 0);
    auto extend = [&](const Bytes& v) {
      Bytes cat = pcr;
      cat.insert(cat.end(), v.begin(), v.end());
      pcr = digest(md, cat);
    };
    extend(digest(md, ima_ng_data("/usr/bin/a", fd1)));
    extend(digest(md, ima_ng_data("/usr/bin/b", fd2)));
    extend(Bytes(n, 0xff));  // a violation is extended as all ones
    const auto r = replay_ima(list, n == 20 ? kAlgSha1 : kAlgSha256);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->pcr, pcr) << md;
    EXPECT_EQ(r->entries, 3u);
    EXPECT_TRUE(r->bad_template_hashes.empty());
    auto m = match_ima_prefix(list, n == 20 ? kAlgSha1 : kAlgSha256, pcr);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->entries, 3u);
  }
}

TEST(AttestIma, BothFormatsRoundTripAndAgree) {
  ImaList list;
  for (int i = 0; i < 5; ++i)
    list.entries.push_back(make_ima_ng_entry("/lib/modules/x/m" + std::to_string(i) + ".ko", kAlgSha256, digest("SHA256", {std::uint8_t(i)})));
  const auto text = ima_to_ascii(list);
  const auto bin = ima_to_binary(list);
  const auto a = parse_ima_list(Bytes(text.begin(), text.end()), "a");
  const auto b = parse_ima_list(bin, "b");
  EXPECT_FALSE(a.binary);
  EXPECT_TRUE(b.binary);
  ASSERT_EQ(a.entries.size(), 5u);
  ASSERT_EQ(b.entries.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a.entries[i].template_data, list.entries[i].template_data);
    EXPECT_EQ(b.entries[i].template_data, list.entries[i].template_data);
    EXPECT_EQ(b.entries[i].path, list.entries[i].path);
    EXPECT_EQ(b.entries[i].file_digest, list.entries[i].file_digest);
  }
  EXPECT_EQ(ima_to_ascii(a), text);
  EXPECT_EQ(ima_to_binary(b), bin);
}

TEST(AttestIma, RemovedOrEditedEntryNoLongerReplaysAppendedOnesDoNot) {
  ImaList list;
  for (int i = 0; i < 6; ++i)
    list.entries.push_back(make_ima_ng_entry("/f" + std::to_string(i), kAlgSha256, digest("SHA256", {std::uint8_t(i)})));
  const Bytes quoted = replay_ima(list, kAlgSha256)->pcr;
  auto appended = list;
  appended.entries.push_back(make_ima_ng_entry("/later", kAlgSha256, Bytes(32, 7)));
  auto m = match_ima_prefix(appended, kAlgSha256, quoted);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entries, 6u);  // the quoted prefix; the rest came after the quote
  auto removed = list;
  removed.entries.erase(removed.entries.begin() + 2);
  EXPECT_FALSE(match_ima_prefix(removed, kAlgSha256, quoted));
  auto edited = list;  // digest changed but template hash left: caught as a bad template hash
  edited.entries[3].template_data.back() ^= 1;
  EXPECT_FALSE(match_ima_prefix(edited, kAlgSha256, quoted));
  EXPECT_EQ(replay_ima(edited, kAlgSha256)->bad_template_hashes, std::vector<std::size_t>{3});
}

TEST(AttestIma, TruncatedBinaryListFailsWithOffsetOrStopsAtAnEntry) {
  ImaList list;
  for (int i = 0; i < 4; ++i) list.entries.push_back(make_ima_ng_entry("/p" + std::to_string(i), kAlgSha256, Bytes(32, std::uint8_t(i))));
  const Bytes bin = ima_to_binary(list);
  std::size_t errors = 0;
  for (std::size_t cut = 0; cut < bin.size(); ++cut) {
    try {
      const auto l = parse_ima_binary(std::span(bin).first(cut), "cut.bin");
      EXPECT_LT(l.trailing_bytes, 28u) << cut;  // only a tail too short for a header is set aside
    } catch (const core::InputError& e) {
      ++errors;
      ASSERT_TRUE(e.where().offset) << cut;
      EXPECT_LE(*e.where().offset, cut);
      EXPECT_NE(std::string(e.what()).find("cut.bin"), std::string::npos);
    }
  }
  EXPECT_GT(errors, bin.size() / 2);
}

TEST(AttestIma, HostileInputIsRefusedWithTheReason) {
  Bytes bin = ima_to_binary({{make_ima_ng_entry("/x", kAlgSha256, Bytes(32, 1))}, true, 0});
  auto bad_name_len = bin;
  bad_name_len[24] = 0xff, bad_name_len[25] = 0xff;  // template name length 65535
  EXPECT_THROW(parse_ima_binary(bad_name_len, "b"), core::InputError);
  auto bad_data_len = bin;
  bad_data_len[34] = 0xff, bad_data_len[35] = 0xff, bad_data_len[36] = 0xff, bad_data_len[37] = 0x7f;
  EXPECT_THROW(parse_ima_binary(bad_data_len, "b"), core::InputError);
  auto bad_fields = bin;
  bad_fields[38] = 0xf0;  // first field length beyond the template data
  EXPECT_THROW(parse_ima_binary(bad_fields, "b"), core::InputError);
  for (const char* line : {"10 zz ima-ng sha256:00 /x\n", "99 " "0000000000000000000000000000000000000000 ima-ng sha256:00 /x\n",
                           "10 0000000000000000000000000000000000000000 ima-ng\n",
                           "10 0000000000000000000000000000000000000000 ima-ng sha256 /x\n",
                           "10 0000000000000000000000000000000000000000 mystery-tpl aa /x\n",
                           "10 0000000000000000000000000000000000000000 ima 00 /x\n"}) {
    const std::string t = std::string("10 6bdad7efa602f84ca31ffe3f11ff7c476e25dcdd ima-ng sha256:00 /ok\n") + line;
    try {
      parse_ima_ascii(t, "a.txt");
      ADD_FAILURE() << "accepted: " << line;
    } catch (const core::InputError& e) {
      EXPECT_EQ(e.where().offset, 65u) << line;  // the second line
      EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
  }
}

TEST(AttestIma, RealListsParseWithValidTemplateHashesAndBothFormatsAgree) {
  if (!fs::exists(kRealIma)) GTEST_SKIP() << kRealIma << " is absent (real IMA lists are not committed; see SOURCES.md)";
  const std::map<std::string, std::size_t> expected = {{"embrave-armhf-ima-ng-sha256", 922}, {"ima-evm-utils-test", 3},
                                                       {"tpm2-tss-ima-sha1", 12}, {"tpm2-tss-ima-ng-sha1", 6}};
  std::size_t lists = 0;
  for (const auto& dir : fs::directory_iterator(kRealIma)) {
    if (!dir.is_directory()) continue;
    std::optional<ImaReplay> sha1_of_ascii, sha1_of_binary, sha256_of_ascii, sha256_of_binary;
    for (const char* name : {"ascii_runtime_measurements", "binary_runtime_measurements"}) {
      const auto p = dir.path() / name;
      if (!fs::exists(p)) continue;
      ++lists;
      const auto list = parse_ima_list(read_file(p), p.string());
      if (auto it = expected.find(dir.path().filename().string()); it != expected.end())
        EXPECT_EQ(list.entries.size(), it->second) << p;
      EXPECT_LE(list.trailing_bytes, 1u) << p;  // the tpm2-tss lists end with one stray newline
      const auto r1 = replay_ima(list, kAlgSha1);
      const auto r256 = replay_ima(list, kAlgSha256);
      ASSERT_TRUE(r1 && r256);
      EXPECT_TRUE(r1->bad_template_hashes.empty()) << p << ": template hashes must be SHA-1 of the data we parsed";
      EXPECT_EQ(r1->entries, list.entries.size());
      for (const auto& e : list.entries) EXPECT_FALSE(e.path.empty()) << p << " @" << e.offset;
      (list.binary ? sha1_of_binary : sha1_of_ascii) = r1;
      (list.binary ? sha256_of_binary : sha256_of_ascii) = r256;
    }
    if (sha1_of_ascii && sha1_of_binary) {
      EXPECT_EQ(sha1_of_ascii->pcr, sha1_of_binary->pcr) << dir.path();
      EXPECT_EQ(sha256_of_ascii->pcr, sha256_of_binary->pcr) << dir.path();
    }
  }
  EXPECT_GE(lists, 5u);
}

// Runtime policy: golden IMA lists -> baseline; a replaced module at run time is critical, a new
// file is medium; unchanged hosts give nothing.
TEST(AttestIma, RuntimePolicyFindsTheChangedModuleAndUnknownFiles) {
  test::TempDir dir;
  auto snap = [&](const HostTreeConfig& c, bool extra) {
    const auto root = dir.path / c.hostname;
    write_host_tree(c, root);
    auto list = write_ima_list(root);
    if (extra) {
      list.entries.push_back(make_ima_ng_entry("/tmp/.x/implant", kAlgSha256, Bytes(32, 9)));
      std::ofstream(root / "sys/kernel/security/ima/binary_runtime_measurements", std::ios::binary | std::ios::trunc)
          << std::string(reinterpret_cast<const char*>(ima_to_binary(list).data()), ima_to_binary(list).size());
      fs::remove(root / "sys/kernel/security/ima/ascii_runtime_measurements");
    }
    CollectOptions o;
    o.root = root;
    o.collected_at = "2026-12-01T00:00:00Z";
    return collect_snapshot(o);
  };
  const auto golden = snap(test::host_config("B", 1), false);
  ASSERT_TRUE(golden.ima.present);
  EXPECT_GT(golden.ima.list.entries.size(), 5u);
  BaselineOptions bo;
  bo.created_at = "2026-12-01T00:00:00Z";
  const auto b = create_baseline(std::vector<Snapshot>{golden}, bo);
  EXPECT_FALSE(b.runtime_policy.empty());
  const auto round = read_baseline_text(to_json(b).dump(), "b.json");
  EXPECT_EQ(round.runtime_policy, b.runtime_policy);

  const auto clean = snap(test::host_config("B", 2), false);
  for (const auto& f : verify_snapshot(clean, round)) ADD_FAILURE() << f.type << " " << f.subject;

  const auto bad = snap(test::host_config("B", 3, {Plant::module_changed}), true);
  const auto fs_ = verify_snapshot(bad, round);
  bool changed = false, unknown = false;
  for (const auto& f : fs_) {
    if (f.type == "runtime_file_changed") {
      changed = true;
      EXPECT_EQ(f.severity, core::Severity::critical);
      EXPECT_NE(f.subject.find("ipmi_si"), std::string::npos) << f.subject;
    }
    if (f.type == "runtime_file_unknown") {
      unknown = true;
      EXPECT_EQ(f.subject, "file:/tmp/.x/implant");
      EXPECT_EQ(f.severity, core::Severity::medium);
    }
  }
  EXPECT_TRUE(changed);
  EXPECT_TRUE(unknown);
  // Snapshot JSON keeps the list (template data) and re-derives it the same.
  const auto back = read_snapshot_text(to_json(bad).dump(), "s.json");
  ASSERT_EQ(back.ima.list.entries.size(), bad.ima.list.entries.size());
  EXPECT_EQ(replay_ima(back.ima.list, kAlgSha256)->pcr, replay_ima(bad.ima.list, kAlgSha256)->pcr);
}

// A Linux file name is bytes: an IMA entry for "caf\xE9.ko" (Latin-1) must not break the
// snapshot JSON (to_json(...).dump() threw a type_error; found by fuzz_attest_json). The readable
// path is written with \xNN, the template data keeps the real bytes, and reading decodes them again.
TEST(AttestIma, NonUtf8FileNameSurvivesTheSnapshotJson) {
  test::TempDir dir;
  const auto c = test::host_config("B", 1);
  write_host_tree(c, dir.path / c.hostname);
  CollectOptions o;
  o.root = dir.path / c.hostname;
  o.collected_at = "2026-12-01T00:00:00Z";
  auto s = collect_snapshot(o);
  const std::string raw = "/lib/modules/caf\xe9\xff.ko";
  s.ima.present = true;
  s.ima.list.entries.push_back(make_ima_ng_entry(raw, kAlgSha256, Bytes(32, 5)));
  std::string text;
  ASSERT_NO_THROW(text = to_json(s).dump());
  EXPECT_NE(text.find(R"("path":"/lib/modules/caf\\xE9\\xFF.ko")"), std::string::npos);
  const auto back = read_snapshot_text(text, "s.json");
  ASSERT_EQ(back.ima.list.entries.size(), s.ima.list.entries.size());
  EXPECT_EQ(back.ima.list.entries.back().path, raw);
  EXPECT_EQ(back.ima.list.entries.back().template_data, s.ima.list.entries.back().template_data);
}

TEST(AttestIma, TemplateNameThatIsNotPrintableAsciiIsRefused) {
  Bytes bin = ima_to_binary({{make_ima_ng_entry("/x", kAlgSha256, Bytes(32, 1))}, true, 0});
  bin[28 + 3] = 0xe9;  // "ima\xE9ng"
  try {
    parse_ima_binary(bin, "b.bin");
    FAIL() << "accepted";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.where().offset, 28u);
    EXPECT_NE(std::string(e.what()).find("template name is not printable ASCII"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sg::attest
