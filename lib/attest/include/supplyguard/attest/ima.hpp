#pragma once
// Linux IMA runtime measurement list (sys/kernel/security/ima/{ascii,binary}_runtime_measurements):
// one entry per measured file (templates ima, ima-ng, ima-sig), each extended into PCR 10 as the
// hash of its template data. Both forms are parsed to the same entries, keeping the template data
// bytes, so the replay recomputes every bank's template hash itself (Keylime does the same) instead
// of trusting the logged SHA-1. Bad input raises core::InputError naming the file and byte offset.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "supplyguard/attest/digest.hpp"

namespace sg::attest {

inline constexpr std::uint32_t kImaPcr = 10;

struct ImaEntry {
  std::uint64_t offset = 0;  // byte offset in the list (ASCII: of the line)
  std::uint32_t pcr = kImaPcr;
  Bytes template_hash;       // SHA-1 as logged; all zeros marks a violation (extended as all ones)
  std::string template_name; // "ima", "ima-ng", "ima-sig", or another (kept, replayed by its data)
  Bytes template_data;       // the bytes the kernel hashed: for "ima" digest[20] || name padded to 256
  std::string file_alg;      // "sha1" for "ima"; from "sha256:<hex>" for ima-ng/ima-sig
  Bytes file_digest;
  std::string path;
  Bytes signature;           // ima-sig only (may be empty)
  bool violation() const;
};

struct ImaList {
  std::vector<ImaEntry> entries;
  bool binary = false;
  // Bytes after the last whole entry, too few for an entry header (real lists were seen ending
  // with a stray newline): counted here, not parsed, not silently dropped.
  std::size_t trailing_bytes = 0;
};

// Bounded: a list with more than `max_entries` entries is refused (InputError), never truncated.
inline constexpr std::size_t kImaMaxEntries = 4'000'000;
ImaList parse_ima_ascii(std::string_view text, const std::string& source);
ImaList parse_ima_binary(std::span<const std::uint8_t> data, const std::string& source);
// Binary when the first bytes are a little-endian PCR index, else ASCII.
ImaList parse_ima_list(std::span<const std::uint8_t> data, const std::string& source);

// Template hash of an entry in a bank: H(template data), all ones for a violation.
// `padded_sha1`: the pre-5.x kernel behaviour of extending non-SHA-1 banks with the SHA-1 template
// hash zero-padded to the bank size.
std::optional<Bytes> ima_template_hash(const ImaEntry& e, std::uint16_t alg, bool padded_sha1 = false);

struct ImaReplay {
  Bytes pcr;                       // the PCR 10 value after the replayed entries
  std::size_t entries = 0;         // how many entries were extended
  // Entries whose logged SHA-1 template hash is not SHA-1 of their template data: the list was
  // edited after the kernel wrote it.
  std::vector<std::size_t> bad_template_hashes;
};
// Replays entries [0, count) (all when count is nullopt) of PCR 10 into bank `alg` from zeros.
// nullopt when OpenSSL cannot compute the bank's hash.
std::optional<ImaReplay> replay_ima(const ImaList& list, std::uint16_t alg, bool padded_sha1 = false,
                                    std::optional<std::size_t> count = std::nullopt);

// Is there a prefix of the list (entries appended after the quote are not covered by it) whose
// replay equals `quoted`? Returns its length; nullopt when none (the list was altered). Tries both
// the hash-per-bank and the padded-SHA-1 kernel conventions.
struct ImaMatch {
  std::size_t entries = 0;
  bool padded_sha1 = false;
};
// Writers (the kernel's two formats), for generated hosts and tests.
std::string ima_to_ascii(const ImaList& list);
Bytes ima_to_binary(const ImaList& list);
// An ima-ng entry for PCR 10 with its template data and SHA-1 template hash, as the kernel makes it.
ImaEntry make_ima_ng_entry(const std::string& path, std::uint16_t file_alg, const Bytes& file_digest);

// The `ima` section of a snapshot: the list as read, entries with their template data (so the
// verifier recomputes template hashes and file digests come from the hashed bytes, not from text).
struct ImaEvidence {
  bool present = false;
  std::string source;  // path under the root
  ImaList list;
};
// An entry rebuilt from its logged parts (snapshot JSON): the same decoding as the binary list.
ImaEntry ima_entry_from_parts(std::uint32_t pcr, const Bytes& template_hash, const std::string& template_name,
                              const Bytes& template_data, const std::string& source);

std::optional<ImaMatch> match_ima_prefix(const ImaList& list, std::uint16_t alg, std::span<const std::uint8_t> quoted);

}  // namespace sg::attest
