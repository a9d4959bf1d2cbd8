#include "web/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

namespace sg::fleet::web {
namespace {

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

TokenCheck::TokenCheck(std::string token) {
  if (token.empty()) throw std::invalid_argument("empty token");
  digest_ = sha256(token);
  session_ = hex(sha256(std::string("supplyguard-session\n") + token));
}

bool TokenCheck::matches(std::string_view presented) const {
  if (presented.empty()) return false;
  return same(sha256(presented), digest_);  // both 32 bytes: time independent of the input
}

bool TokenCheck::session_matches(std::string_view cookie) const {
  if (cookie.size() != session_.size()) return false;  // the expected length is public (64)
  return same(cookie, session_);
}

std::string_view bearer(std::string_view h) {
  h = trim(h);
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)  // the scheme name is case-insensitive
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return {};
  return trim(h.substr(kScheme.size()));
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return trim(pair.substr(eq + 1));
  }
  return {};
}

}  // namespace sg::fleet::web
