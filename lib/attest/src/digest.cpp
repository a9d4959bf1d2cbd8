#include "supplyguard/attest/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/evp.h>

namespace sg::attest {
namespace {

const EVP_MD* md_for(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return EVP_sha1();
    case kAlgSha256: return EVP_sha256();
    case kAlgSha384: return EVP_sha384();
    case kAlgSha512: return EVP_sha512();
#ifndef OPENSSL_NO_SM3
    case kAlgSm3: return EVP_sm3();
#endif
    default: return nullptr;
  }
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = std::uint8_t(hi * 16 + lo);
  }
  return out;
}

std::string alg_name(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return "sha1";
    case kAlgSha256: return "sha256";
    case kAlgSha384: return "sha384";
    case kAlgSha512: return "sha512";
    case kAlgSm3: return "sm3_256";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "alg_0x%04x", alg);
      return buf;
    }
  }
}

std::optional<std::uint16_t> alg_from_name(std::string_view name) {
  for (std::uint16_t a : {kAlgSha1, kAlgSha256, kAlgSha384, kAlgSha512, kAlgSm3})
    if (alg_name(a) == name) return a;
  return std::nullopt;
}

std::optional<std::size_t> alg_size(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return 20;
    case kAlgSha256: return 32;
    case kAlgSha384: return 48;
    case kAlgSha512: return 64;
    case kAlgSm3: return 32;
    default: return std::nullopt;
  }
}

std::optional<Bytes> hash(std::uint16_t alg, std::span<const std::uint8_t> data) {
  const EVP_MD* md = md_for(alg);
  if (!md) return std::nullopt;
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return std::nullopt;
  out.resize(len);
  return out;
}

Bytes sha256(std::span<const std::uint8_t> data) { return *hash(kAlgSha256, data); }
std::string sha256_hex(std::span<const std::uint8_t> data) { return to_hex(sha256(data)); }
std::string sha256_hex(std::string_view data) {
  return sha256_hex(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::optional<FileDigest> sha256_file(const std::filesystem::path& p, std::string& why) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  static thread_local std::vector<std::uint8_t> buf(1 << 20);
  FileDigest d;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      why = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), std::size_t(n));
    d.size += std::uint64_t(n);
  }
  ::close(fd);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  d.sha256 = to_hex(std::span(out, len));
  return d;
}

}  // namespace sg::attest
