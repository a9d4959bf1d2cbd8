// supplyguard snapshot | baseline keygen|create | verify: parsing and wiring only; capability
// lives in lib/attest.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "command.hpp"
#include "supplyguard/attest/attest.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::cli {
void add_enroll(CLI::App& app, Action& action);  // cmd_attest_tpm.cpp
// snapshot --tpm: adds the quote section (cmd_attest_tpm.cpp).
void add_quote(attest::Snapshot& s, const std::string& tcti, const std::string& nonce_hex);
// verify --ak-registry: the quote's findings for one snapshot (cmd_attest_tpm.cpp).
struct QuoteCheck;
std::shared_ptr<QuoteCheck> make_quote_check(const std::string& registry, const std::string& nonce_hex);
// Thread-safe; `clock` gets the quote's clockInfo when it verifies, for clock_findings().
std::vector<core::Finding> check_quote(const QuoteCheck& q, const attest::Snapshot& s, std::optional<attest::QuoteClock>& clock);
// In input order: tpm_reboot / tpm_clock_rollback against the host's last mark (advanced here).
std::vector<core::Finding> clock_findings(QuoteCheck& q, const std::optional<attest::QuoteClock>& clock);
// Writes the advanced marks to <registry>/quote-state/.
void save_clock_marks(const QuoteCheck& q);
namespace {

namespace fs = std::filesystem;

void write_text(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error(path + ": cannot write");
  }
  fs::rename(tmp, path);  // a reader never sees half a snapshot or baseline
}

// Snapshot arguments: files, or directories whose *.json files are read in name order.
std::vector<std::string> expand_inputs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(a, ec))
        if (e.path().extension() == ".json") found.push_back(e.path().string());
      if (ec) throw core::InputError::in(a, ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(a);
    }
  }
  if (out.empty()) throw core::InputError::in("verify", "no snapshot files given");
  return out;
}

struct SnapshotOptions {
  std::string root = "/", out, collected_at;
  std::vector<std::string> fw_include, fw_exclude;
  std::string tpm, nonce;
};

// ", IMA list 16 entries, TPM quote sha256 PCRs 0-10" (only what the snapshot has).
std::string runtime_summary(const attest::Snapshot& s) {
  std::string out;
  if (s.ima.present) out += ", IMA list " + std::to_string(s.ima.list.entries.size()) + " entries";
  if (s.quote) {
    out += s.quote->error.empty() ? ", TPM quote " + s.quote->pcr_alg + " PCRs " + std::to_string(s.quote->pcrs.front()) + "-" +
                                        std::to_string(s.quote->pcrs.back())
                                  : ", TPM QUOTE FAILED: " + s.quote->error;
  }
  return out;
}

int run_snapshot(const SnapshotOptions& o) {
  attest::CollectOptions c;
  c.root = o.root;
  c.firmware_include = o.fw_include;
  c.firmware_exclude = o.fw_exclude;
  if (!o.collected_at.empty()) {
    if (!core::parse_iso8601(o.collected_at))
      throw core::InputError::in("--collected-at", "not an ISO 8601 UTC time: \"" + o.collected_at + "\"");
    c.collected_at = o.collected_at;
  }
  std::error_code ec;
  if (!fs::is_directory(o.root, ec)) throw core::InputError::in(o.root, "--root is not a directory");
  const auto t0 = std::chrono::steady_clock::now();
  auto s = attest::collect_snapshot(c);
  if (!o.tpm.empty()) add_quote(s, o.tpm, o.nonce);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  write_text(o.out, attest::to_json(s).dump(2) + "\n");
  std::size_t replay_bad = 0;
  for (const auto& f : attest::check_replay(s)) (void)f, ++replay_bad;
  std::fprintf(stderr,
               "snapshot %s: model \"%s\", %zu components, %zu modules, %zu firmware files, event log %s "
               "(%zu events%s), %zu unreadable paths%s, %.0f ms\n",
               s.host.hostname.c_str(), s.host.model.c_str(), s.components.size(), s.modules.size(),
               s.firmware.size(), s.eventlog.present ? "present" : "absent", s.eventlog.events.size(),
               replay_bad ? ", REPLAY DOES NOT MATCH THE TPM" : "", s.unreadable.size(), runtime_summary(s).c_str(), ms);
  return core::kExitOk;
}

struct BaselineOptions {
  std::vector<std::string> snaps;
  std::string out, key, created_at;
  double quorum = 0.9;
};

int run_keygen(const std::string& out) {
  const auto k = attest::generate_keypair();
  attest::write_keypair(k, out);
  std::fprintf(stderr, "wrote %s (secret, mode 0600) and %s.pub; key id %s\n", out.c_str(), out.c_str(),
               attest::key_id(k.pub).c_str());
  return core::kExitOk;
}

int run_create(const BaselineOptions& o) {
  std::vector<attest::Snapshot> snaps;
  for (const auto& p : expand_inputs(o.snaps)) snaps.push_back(attest::read_snapshot_file(p));
  attest::BaselineOptions bo;
  bo.quorum = o.quorum;
  bo.created_at = o.created_at;
  auto b = attest::create_baseline(snaps, bo);
  std::string signer = "UNSIGNED (give --key to sign; verify --pubkey refuses unsigned baselines)";
  if (!o.key.empty()) {
    const auto k = attest::read_secret_key(o.key);
    attest::sign_baseline(b, k);
    signer = "signed with key " + attest::key_id(k.pub);
  }
  write_text(o.out, attest::to_json(b).dump(2) + "\n");
  std::fprintf(stderr, "baseline \"%s\" from %zu snapshots (quorum %.2f): %zu components, %zu modules, %zu firmware files, "
               "%zu pinned PCRs; %s\n",
               b.model.c_str(), snaps.size(), b.quorum, b.components.size(), b.modules.size(), b.firmware.size(),
               b.pcr_events.size(), signer.c_str());
  return core::kExitOk;
}

// Runs job(i) for i in [begin, end) on all cores. If any job throws, the exception of the lowest
// index is rethrown after all jobs ended, with `first_failed` set, so results before it can be
// reported in order first (as a sequential run would have).
void parallel_for(std::size_t begin, std::size_t end, const std::function<void(std::size_t)>& job,
                  std::size_t& first_failed, std::exception_ptr& error) {
  const unsigned workers = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{begin};
  std::mutex m;
  first_failed = end;
  auto run = [&] {
    for (std::size_t i; (i = next++) < end;) {
      try {
        job(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (i < first_failed) {
          first_failed = i;
          error = std::current_exception();
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

struct VerifyOptions {
  std::vector<std::string> snaps, baselines;
  std::string pubkey, nonce, ak_registry;
  bool consensus = false, stats = false;
};

int run_verify(const VerifyOptions& o, Output& out) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto files = expand_inputs(o.snaps);
  std::size_t findings = 0;
  std::shared_ptr<QuoteCheck> quotes;
  if (!o.ak_registry.empty()) quotes = make_quote_check(o.ak_registry, o.nonce);
  auto with_quote = [&](const attest::Snapshot& s, std::vector<core::Finding> fs, std::optional<attest::QuoteClock>& clock) {
    if (quotes)
      for (auto& f : check_quote(*quotes, s, clock)) fs.push_back(std::move(f));
    return fs;
  };
  auto clock_of = [&](const std::optional<attest::QuoteClock>& clock) {
    return quotes ? clock_findings(*quotes, clock) : std::vector<core::Finding>{};
  };
  if (o.consensus) {
    if (!o.baselines.empty()) throw core::InputError::in("verify", "--consensus takes no --baseline");
    std::vector<attest::Snapshot> snaps(files.size());
    std::size_t failed = 0;
    std::exception_ptr error;
    parallel_for(0, files.size(), [&](std::size_t i) { snaps[i] = attest::read_snapshot_file(files[i]); }, failed, error);
    if (error) std::rethrow_exception(error);  // consensus needs every host
    for (const auto& f : attest::verify_consensus(snaps)) {
      out.emit(f);
      ++findings;
    }
    for (const auto& s : snaps) {
      std::optional<attest::QuoteClock> clock;
      auto fs = with_quote(s, {}, clock);
      for (auto& f : clock_of(clock)) fs.push_back(std::move(f));
      for (const auto& f : fs) {
        out.emit(f);
        ++findings;
      }
    }
  } else {
    if (o.baselines.empty()) throw core::InputError::in("verify", "give --baseline golden.json (or --consensus)");
    std::optional<attest::PublicKey> trusted;
    if (!o.pubkey.empty()) trusted = attest::read_public_key(o.pubkey);
    attest::Verifier verifier;
    for (const auto& path : o.baselines) {
      auto b = attest::read_baseline_file(path);
      const auto check = attest::check_signature(b, trusted);
      if (check == attest::SignatureCheck::unsigned_baseline && !trusted) {
        std::fprintf(stderr, "supplyguard: warning: %s is unsigned; anyone could have written it (sign with "
                     "baseline create --key, check with --pubkey)\n", path.c_str());
      } else if (check != attest::SignatureCheck::valid) {
        throw core::InputError::in(path, "baseline refused: " + attest::to_string(check));
      }
      attest::VerifyContext ctx{path, b.signature ? attest::key_id(b.signature->pub) : ""};
      verifier.add_baseline(std::move(b), std::move(ctx));
    }
    // Reading and checking snapshots is independent per file: batches run on all cores, findings
    // are written in input order; a bad file stops the run after everything before it is out.
    constexpr std::size_t kBatch = 512;
    std::vector<std::vector<core::Finding>> results(kBatch);
    std::vector<std::optional<attest::QuoteClock>> clocks(kBatch);
    for (std::size_t begin = 0; begin < files.size(); begin += kBatch) {
      const std::size_t end = std::min(files.size(), begin + kBatch);
      std::size_t failed = end;
      std::exception_ptr error;
      parallel_for(begin, end, [&](std::size_t i) {
        const auto snap = attest::read_snapshot_file(files[i]);
        clocks[i - begin].reset();
        results[i - begin] = with_quote(snap, verifier.verify(snap), clocks[i - begin]);
      }, failed, error);
      for (std::size_t i = begin; i < failed; ++i) {
        for (auto& f : clock_of(clocks[i - begin])) results[i - begin].push_back(std::move(f));
        for (const auto& f : results[i - begin]) {
          out.emit(f);
          ++findings;
        }
        results[i - begin].clear();
      }
      if (error) {
        if (quotes) save_clock_marks(*quotes);  // what was verified before the bad file counts
        std::rethrow_exception(error);
      }
    }
  }
  if (quotes) save_clock_marks(*quotes);
  if (o.stats) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "verify: %zu snapshots, %zu findings, %.3f s (%.0f snapshots/s)\n", files.size(), findings,
                 secs, double(files.size()) / std::max(secs, 1e-9));
  }
  return core::kExitOk;
}

}  // namespace

void add_attest(CLI::App& app, Action& action) {
  auto so = std::make_shared<SnapshotOptions>();
  auto* snap = app.add_subcommand("snapshot", "Collect a host's hardware and firmware evidence as canonical JSON");
  snap->add_option("--root", so->root, "Read sys/, proc/, lib/modules/, lib/firmware/ under this directory (default /)");
  snap->add_option("-o,--output", so->out, "Write the snapshot here (default stdout)");
  snap->add_option("--firmware-include", so->fw_include, "Only firmware files matching this glob (relative to lib/firmware; repeatable)");
  snap->add_option("--firmware-exclude", so->fw_exclude, "Skip firmware files matching this glob (repeatable)");
  snap->add_option("--collected-at", so->collected_at, "Timestamp to record instead of now (reproducible snapshots)");
  snap->footer(
      "Collects PCI (ids, driver, config/ROM SHA-256), USB, I2C, SMBIOS, NICs, disks, loaded kernel modules\n"
      "(SHA-256 of each file), lib/firmware, and the TPM event log (replayed against the TPM's PCRs).\n"
      "What cannot be read (a container lacks most of it) is listed under \"unreadable\", never fatal.\n"
      "Example:\n  sudo supplyguard snapshot -o /var/lib/supplyguard/$(hostname).json\n"
      "  supplyguard snapshot --root /mnt/captured-host -o host.json");
  snap->add_option("--tpm", so->tpm, "Also quote this TPM (tpm2-tss TCTI: device:/dev/tpmrm0, swtpm:host=127.0.0.1,port=2321)");
  snap->add_option("--nonce", so->nonce, "The verifier's nonce (hex) to put in the quote (with --tpm)");
  snap->callback([&action, so] { action = [so](Output&) { return run_snapshot(*so); }; });

  auto bo = std::make_shared<BaselineOptions>();
  auto keygen_out = std::make_shared<std::string>();
  auto* base = app.add_subcommand("baseline", "Create and sign golden baselines per server model");
  base->require_subcommand(1);
  auto* keygen = base->add_subcommand("keygen", "Generate an Ed25519 signing key (KEY and KEY.pub)");
  keygen->add_option("-o,--output", *keygen_out, "Secret key file to create (KEY.pub is written beside it)")->required();
  keygen->footer("Example:\n  supplyguard baseline keygen -o golden.key   # keep golden.key offline, ship golden.key.pub");
  keygen->callback([&action, keygen_out] { action = [keygen_out](Output&) { return run_keygen(*keygen_out); }; });
  auto* create = base->add_subcommand("create", "Build a model's golden baseline from known-good snapshots");
  create->add_option("snapshots", bo->snaps, "Snapshot files or directories of them (one model)")->required();
  create->add_option("-o,--output", bo->out, "Baseline file to write")->required();
  create->add_option("--key", bo->key, "Sign with this secret key (from baseline keygen)");
  create->add_option("--quorum", bo->quorum, "With many snapshots: pin what at least this fraction agrees on (default 0.9)")
      ->check(CLI::Range(0.01, 1.0));
  create->add_option("--created-at", bo->created_at, "Timestamp to record instead of now");
  create->footer(
      "Example:\n  supplyguard baseline create golden-host.json -o golden.json --key golden.key\n"
      "  supplyguard baseline create snaps/model-a/ --quorum 0.9 -o model-a.json --key golden.key");
  create->callback([&action, bo] { action = [bo](Output&) { return run_create(*bo); }; });
  base->footer("Example:\n  supplyguard baseline keygen -o golden.key\n"
               "  supplyguard baseline create host1.json host2.json -o golden.json --key golden.key");

  auto vo = std::make_shared<VerifyOptions>();
  auto* verify = app.add_subcommand("verify", "Diff snapshots against a signed golden baseline (or their peers)");
  verify->add_option("snapshots", vo->snaps, "Snapshot files or directories of them")->required();
  verify->add_option("--baseline", vo->baselines, "Golden baseline (repeatable: one per model; each snapshot uses its model's)");
  verify->add_option("--pubkey", vo->pubkey, "Trusted public key: refuse baselines not signed by it (and unsigned ones)");
  verify->add_flag("--consensus", vo->consensus, "No golden: group hosts by model, report departures from each group's majority");
  verify->add_flag("--stats", vo->stats, "Print counts and timing on stderr");
  verify->add_option("--ak-registry", vo->ak_registry, "Check TPM quotes against the AKs enrolled here (supplyguard enroll)");
  verify->add_option("--nonce", vo->nonce, "The nonce (hex) the quotes must carry (with --ak-registry)");
  verify->footer(
      "Findings: component_added (critical on PCI/I2C), component_removed, component_changed, module_changed,\n"
      "module_unknown, firmware_changed, eventlog_changed, eventlog_replay_mismatch, model_mismatch, evidence_unreadable,\n"
      "runtime_file_changed, runtime_file_unknown (IMA), quote_missing; with --ak-registry: quote_invalid, quote_stale,\n"
      "quote_pcr_mismatch, ak_unregistered, tpm_clock_rollback, tpm_reboot (info; the TPM clock history per host is\n"
      "kept in <ak-registry>/quote-state/, advanced by every fresh quote that verifies).\n"
      "Example:\n  supplyguard verify host.json --baseline golden.json --pubkey golden.key.pub --fail-on high\n"
      "  supplyguard --format table verify --consensus snaps/");
  verify->callback([&action, vo] { action = [vo](Output& out) { return run_verify(*vo, out); }; });
  add_enroll(app, action);
}

}  // namespace sg::cli
