#pragma once
// Ed25519 signing keys for golden baselines (libsodium). Files are one line of text after a
// header line, so a wrong file (a public key given as --key, a PEM, a baseline) is recognised
// and refused with a clear message instead of being misread.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "supplyguard/attest/digest.hpp"

namespace sg::attest {

using PublicKey = std::array<std::uint8_t, 32>;
using SecretKey = std::array<std::uint8_t, 64>;  // libsodium layout: seed || public key

struct KeyPair {
  PublicKey pub{};
  SecretKey secret{};
};

KeyPair generate_keypair();
// Writes `path` (secret, mode 0600, refuses to overwrite) and `path`.pub.
void write_keypair(const KeyPair& k, const std::filesystem::path& path);
// Throw core::InputError naming the file when it is not such a key.
KeyPair read_secret_key(const std::filesystem::path& path);
PublicKey read_public_key(const std::filesystem::path& path);
// Short fingerprint for messages and findings: first 16 hex digits of SHA-256(public key).
std::string key_id(const PublicKey& pub);

Bytes sign_detached(std::span<const std::uint8_t> message, const SecretKey& secret);
bool verify_detached(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature,
                     const PublicKey& pub);

}  // namespace sg::attest
