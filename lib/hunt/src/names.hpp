#pragma once
// Private to sg_hunt (and its tests/fuzzers): the application parsers that name a flow from its
// first client bytes — a TLS ClientHello (tls.cpp) and an HTTP/1.x request head (http.cpp).
// Both read the caller's bytes only, bounds-check every read, and answer one of four ways, so
// the per-flow inspector (flow_names.cpp) knows whether to buffer another segment.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sg::hunt {

enum class ParseStatus {
  ok,         // parsed; the result is filled
  need_more,  // a valid prefix: more bytes of the same direction are needed
  not_this,   // not this protocol at all (no error: the flow is something else)
  error,      // claims to be this protocol but is malformed; `why` says where
};

struct ClientHello {
  std::uint16_t legacy_version = 0;        // client_version field of the hello
  std::vector<std::uint16_t> ciphers;      // as offered, GREASE removed
  std::vector<std::uint16_t> extensions;   // as offered, GREASE removed
  std::vector<std::uint16_t> versions;     // supported_versions (0x002b), GREASE removed
  std::vector<std::uint16_t> sig_algs;     // signature_algorithms (0x000d), GREASE removed
  std::vector<std::string> alpn;           // ALPN protocol names, as offered
  std::string sni;                         // first host_name of server_name (0x0000), lower case
  bool has_sni_ext = false;
  std::size_t consumed = 0;                // bytes of the stream the hello's records took
};

// Parses the TLS records at the start of a client stream up to the end of the ClientHello
// (which may span several records and TCP segments). `why`, on error, names the byte offset.
ParseStatus parse_client_hello(const std::uint8_t* data, std::size_t len, ClientHello& out, std::string* why = nullptr);

// GREASE (RFC 8701): 0x0a0a, 0x1a1a, ..., 0xfafa.
inline bool is_grease(std::uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

// The JA4 client fingerprint (FoxIO's JA4 spec, TLS over TCP: "t"); see docs/hunt.md for the
// recipe. `raw` (optional) receives JA4_r, the sorted lists before hashing.
std::string ja4_fingerprint(const ClientHello& h, std::string* raw = nullptr);

struct HttpRequest {
  std::string method, target, version;  // request line
  std::string host;                     // Host header, lower case, as sent (may carry :port)
  std::string user_agent;
  bool complete = false;                // the header block ended (CRLF CRLF) within the bytes
};

// Parses an HTTP/1.x request head. need_more while no full header block is present; with
// `final` (the inspector's byte or segment budget is spent) the complete lines seen so far are
// parsed and ok is returned if the request line was complete.
ParseStatus parse_http_request(const std::uint8_t* data, std::size_t len, HttpRequest& out, bool final,
                               std::string* why = nullptr);

// The host name of a Host header value ("Example.COM:8080" -> "example.com"); empty for an IP
// literal or a value that is not a plausible DNS name.
std::string http_host_name(const std::string& host);
// A name as a destination label: lower case, no trailing dot, only [a-z0-9._*-], <= 253
// characters; empty when `raw` is not such a name.
std::string clean_host_name(const std::uint8_t* p, std::size_t n);

}  // namespace sg::hunt
