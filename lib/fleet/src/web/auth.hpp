#pragma once
// The dashboard's one secret. Requests prove they know it with "Authorization: Bearer T", or by
// the session cookie that a first page load with ?token=T sets. Comparisons hash both sides to
// SHA-256 and compare the digests in constant time (CRYPTO_memcmp): neither the token's bytes
// nor its length leak through timing.
#include <string>
#include <string_view>

namespace sg::fleet::web {

inline constexpr std::string_view kSessionCookie = "sg_session";

class TokenCheck {
 public:
  explicit TokenCheck(std::string token);  // throws std::invalid_argument when empty

  bool matches(std::string_view presented) const;
  // The cookie value standing for the token: hex SHA-256 of a domain-separated token, so the
  // cookie jar never holds the token itself and the value needs no cookie escaping.
  const std::string& session_value() const { return session_; }
  bool session_matches(std::string_view cookie_value) const;

 private:
  std::string digest_;   // raw SHA-256 of the token
  std::string session_;
};

// The value of the Bearer scheme in an Authorization header ("" when absent or another scheme).
std::string_view bearer(std::string_view authorization);
// The value of cookie `name` in a Cookie header ("" when absent).
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace sg::fleet::web
