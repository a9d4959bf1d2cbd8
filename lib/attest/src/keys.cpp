#include "supplyguard/attest/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "supplyguard/core/error.hpp"

namespace sg::attest {
namespace {

constexpr const char* kSecretHeader = "supplyguard ed25519 secret key v1";
constexpr const char* kPublicHeader = "supplyguard ed25519 public key v1";

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void write_file(const std::filesystem::path& p, const std::string& text, mode_t mode) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error(p.string() + ": cannot create: " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error(p.string() + ": write failed");
}

template <std::size_t N>
std::array<std::uint8_t, N> read_key(const std::filesystem::path& path, const char* header, const char* what) {
  std::ifstream in(path);
  if (!in) throw core::InputError::in(path.string(), std::string("cannot open: ") + std::strerror(errno));
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  if (first != header)
    throw core::InputError::at_line(path.string(), 1, std::string("not a supplyguard ") + what +
                                                          " (expected the line \"" + header + "\")");
  auto raw = from_hex(second);
  if (!raw || raw->size() != N)
    throw core::InputError::at_line(path.string(), 2, std::string("expected ") + std::to_string(2 * N) +
                                                          " hex digits of " + what);
  std::array<std::uint8_t, N> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  sodium_memzero(raw->data(), raw->size());
  return out;
}

}  // namespace

KeyPair generate_keypair() {
  init_sodium();
  KeyPair k;
  crypto_sign_keypair(k.pub.data(), k.secret.data());
  return k;
}

void write_keypair(const KeyPair& k, const std::filesystem::path& path) {
  std::filesystem::path pub = path;
  pub += ".pub";
  write_file(path, std::string(kSecretHeader) + "\n" + to_hex(k.secret) + "\n", 0600);
  write_file(pub, std::string(kPublicHeader) + "\n" + to_hex(k.pub) + "\n", 0644);
}

KeyPair read_secret_key(const std::filesystem::path& path) {
  init_sodium();
  KeyPair k;
  k.secret = read_key<64>(path, kSecretHeader, "Ed25519 secret key");
  // Recompute the pair from the seed half: a file whose public half was edited is refused.
  std::uint8_t seed[crypto_sign_SEEDBYTES];
  SecretKey check{};
  crypto_sign_ed25519_sk_to_seed(seed, k.secret.data());
  crypto_sign_seed_keypair(k.pub.data(), check.data(), seed);
  sodium_memzero(seed, sizeof seed);
  if (sodium_memcmp(check.data(), k.secret.data(), check.size()) != 0)
    throw core::InputError::at_line(path.string(), 2, "inconsistent Ed25519 secret key (public half does not match)");
  return k;
}

PublicKey read_public_key(const std::filesystem::path& path) {
  return read_key<32>(path, kPublicHeader, "Ed25519 public key");
}

std::string key_id(const PublicKey& pub) { return sha256_hex(pub).substr(0, 16); }

Bytes sign_detached(std::span<const std::uint8_t> message, const SecretKey& secret) {
  init_sodium();
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret.data());
  return sig;
}

bool verify_detached(std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature,
                     const PublicKey& pub) {
  init_sodium();
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), pub.data()) == 0;
}

}  // namespace sg::attest
