#pragma once
// The golden state of one server model ("supplyguard.baseline/1"): what hosts of that model
// should contain, built from one known-good snapshot or from many hosts (an item is pinned when
// at least `quorum` of them agree), signed with Ed25519 so a tampered golden file is refused.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/attest/keys.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {

inline constexpr const char* kBaselineSchema = "supplyguard.baseline/1";

struct PinnedComponent {
  std::string id, bus;
  Attrs attrs;                      // attributes the hosts agreed on
  std::vector<std::string> absent;  // attributes the hosts agreed are absent (e.g. no option ROM)
};

struct PinnedFile {                 // a module (name = module) or firmware file (name = path)
  std::string name;
  std::string path;                 // modules: path under lib/modules/<release>
  std::string sha256, symlink;      // both "" when present on enough hosts but content not agreed
};

struct PinnedEvent {
  std::uint32_t index = 0;  // position in the golden log
  std::string type, alg, digest, hint;
};

struct Baseline {
  std::string model;
  std::string created_at;
  double quorum = 1.0;
  bool consensus = false;           // built on the fly by verify --consensus (strict majority)
  std::vector<std::string> hosts;   // hostnames of the snapshots it was built from
  std::string kernel_release;
  std::vector<PinnedComponent> components;  // sorted by id
  // Categories no golden host could read in full (e.g. "dmi" from non-root snapshots, without
  // the raw SMBIOS table): a component of them that the baseline lacks is not judged "added".
  std::vector<std::string> incomplete;     // sorted
  std::vector<PinnedFile> modules;          // sorted by name
  std::vector<PinnedFile> firmware;         // sorted by name
  bool eventlog = false;                    // golden hosts have a readable TPM event log
  std::map<std::uint32_t, std::vector<PinnedEvent>> pcr_events;  // extended events per pinned PCR
  std::vector<std::uint32_t> unpinned_pcrs;  // measured, but the hosts did not agree
  // Keylime-style runtime policy from the golden hosts' IMA lists: path -> allowed "alg:hex"
  // file digests (the union over the golden hosts). Empty: the golden hosts had no IMA list.
  std::map<std::string, std::vector<std::string>> runtime_policy;
  bool quote_required = false;  // every golden snapshot carried a TPM quote

  struct Signature {
    PublicKey pub{};
    Bytes value;
  };
  std::optional<Signature> signature;
};

struct BaselineOptions {
  double quorum = 0.9;          // fraction of hosts an item must be on (ignored for one snapshot)
  bool strict_majority = false; // more than half, whatever quorum says (consensus mode)
  std::string created_at;       // default: now
};

// All snapshots must share one model (InputError naming the odd one otherwise).
Baseline create_baseline(const std::vector<Snapshot>& snapshots, const BaselineOptions& options);
Baseline create_baseline(const std::vector<const Snapshot*>& snapshots, const BaselineOptions& options);

// The exact bytes the signature covers: the canonical JSON of everything but the signature.
std::string signed_payload(const Baseline& b);
void sign_baseline(Baseline& b, const KeyPair& key);

enum class SignatureCheck { valid, unsigned_baseline, bad_signature, wrong_key };
// Against `trusted` when given; else against the key embedded in the file (catches edits, not a
// re-signed forgery: give --pubkey for that).
SignatureCheck check_signature(const Baseline& b, const std::optional<PublicKey>& trusted);
std::string to_string(SignatureCheck c);

Json to_json(const Baseline& b);
Baseline baseline_from_json(const Json& j, const std::string& source);
Baseline baseline_from_json(const nlohmann::json& j, const std::string& source);  // as read_baseline_text parses
Baseline read_baseline_text(std::string_view text, const std::string& source);
Baseline read_baseline_file(const std::filesystem::path& p);

}  // namespace sg::attest
