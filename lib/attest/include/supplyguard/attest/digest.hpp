#pragma once
// Hashing and hex, via OpenSSL EVP (never hand-written): SHA-256 of files and buffers for the
// snapshot, and every TCG bank algorithm for event-log replay.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg::attest {

using Bytes = std::vector<std::uint8_t>;

std::string to_hex(std::span<const std::uint8_t> bytes);           // lowercase
std::optional<Bytes> from_hex(std::string_view hex);               // either case; nullopt if not hex

// TCG algorithm ids (TPM_ALG_ID) of the banks a PC Client event log may carry.
inline constexpr std::uint16_t kAlgSha1 = 0x0004, kAlgSha256 = 0x000B, kAlgSha384 = 0x000C,
                               kAlgSha512 = 0x000D, kAlgSm3 = 0x0012;
std::string alg_name(std::uint16_t alg);                 // "sha256", or "alg_0x1234" when unknown
std::optional<std::uint16_t> alg_from_name(std::string_view name);
// Digest size for a known algorithm, nullopt otherwise (or when OpenSSL lacks it, e.g. SM3).
std::optional<std::size_t> alg_size(std::uint16_t alg);

// H(data) for a TCG algorithm; nullopt when OpenSSL cannot compute it.
std::optional<Bytes> hash(std::uint16_t alg, std::span<const std::uint8_t> data);
Bytes sha256(std::span<const std::uint8_t> data);
std::string sha256_hex(std::span<const std::uint8_t> data);
std::string sha256_hex(std::string_view data);

// Streams a file through SHA-256. Returns nullopt and sets `why` when it cannot be read.
struct FileDigest {
  std::string sha256;
  std::uint64_t size = 0;
};
std::optional<FileDigest> sha256_file(const std::filesystem::path& p, std::string& why);

}  // namespace sg::attest
