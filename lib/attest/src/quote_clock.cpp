// The TPM's clock history per host: reboots the fleet should see, and a clock or counter that went
// backwards (an old quote replayed without a nonce, or TPM state restored from a copy: a VM
// snapshot revert, a swtpm state file put back). Keylime's verifier keeps the same history
// (tpm_clockinfo of the last good quote) and fails the attestation when a counter decreases, the
// clock does not increase within one boot, or safe is NO.
#include "registry_files.hpp"

namespace sg::attest {

namespace {
constexpr const char* kQuoteStateSchema = "supplyguard.quote-state/1";
std::string n(std::uint64_t v) { return std::to_string(v); }
}  // namespace

ClockVerdict compare_clock(const ClockInfo& b, const ClockInfo& c) {
  if (c.reset_count < b.reset_count)
    return {ClockChange::rollback, "resetCount went back from " + n(b.reset_count) + " to " + n(c.reset_count) + " (clock " +
                                       n(b.clock) + " -> " + n(c.clock) + " ms)"};
  if (c.reset_count > b.reset_count) {
    // After a reset the clock resumes from its last NV save; behind the last quote only when power
    // was lost before that save, which the TPM reports as safe = NO.
    if (c.clock < b.clock && c.safe)
      return {ClockChange::rollback, "resetCount grew from " + n(b.reset_count) + " to " + n(c.reset_count) + " but the clock went back from " +
                                         n(b.clock) + " to " + n(c.clock) + " ms with safe = YES (no power loss explains it)"};
    return {ClockChange::reboot, n(c.reset_count - b.reset_count) + " TPM reset(s) (resetCount " + n(b.reset_count) + " -> " +
                                     n(c.reset_count) + ")" + (c.safe ? "" : ", clock not saved at the last shutdown (safe = NO)")};
  }
  if (c.restart_count < b.restart_count)
    return {ClockChange::rollback, "restartCount went back from " + n(b.restart_count) + " to " + n(c.restart_count) +
                                       " within one reset (resetCount " + n(c.reset_count) + ")"};
  if (c.clock < b.clock)
    return {ClockChange::rollback, "the clock went back from " + n(b.clock) + " to " + n(c.clock) + " ms within one boot (resetCount " +
                                       n(c.reset_count) + ", restartCount " + n(c.restart_count) + ")"};
  if (c.restart_count > b.restart_count)
    return {ClockChange::resume, n(c.restart_count - b.restart_count) + " TPM restart(s)/resume(s) (restartCount " + n(b.restart_count) +
                                     " -> " + n(c.restart_count) + ")"};
  return {};
}

std::map<std::string, ClockMark> load_clock_marks(const std::filesystem::path& dir) {
  std::map<std::string, ClockMark> out;
  std::error_code ec;
  const auto state = dir / "quote-state";
  if (!std::filesystem::is_directory(state, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(state, ec)) {
    if (e.path().extension() != ".json") continue;
    const std::string src = e.path().string();
    const auto j = detail::parse_json_text<nlohmann::json>(detail::read_whole_file(src), src);
    detail::JsonIn<nlohmann::json> in(j, "", src);
    if (in.str("schema") != kQuoteStateSchema) in.fail("schema is not \"" + std::string(kQuoteStateSchema) + "\"");
    ClockMark m;
    m.seen = in.str("seen");
    m.clock = clock_from_json(in.object("clock"));
    out[in.str("host")] = std::move(m);
  }
  if (ec) throw core::InputError::in(state.string(), ec.message());
  return out;
}

void store_clock_mark(const std::filesystem::path& dir, const std::string& host, const ClockMark& m) {
  if (host.empty() || host.find('/') != std::string::npos || host[0] == '.')
    throw core::InputError::in(host, "host name cannot name a quote-state file");
  const auto state = dir / "quote-state";
  std::filesystem::create_directories(state);
  const nlohmann::ordered_json j = {{"schema", kQuoteStateSchema}, {"host", host}, {"seen", m.seen}, {"clock", clock_to_json(m.clock)}};
  write_json_file(state / (host + ".json"), j);
}

}  // namespace sg::attest
