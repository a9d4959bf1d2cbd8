#pragma once
// Minimal DNS message parser: the question name and type, and A/AAAA answers, which is all the
// detectors need (names for destinations, labels for tunnelling). Hostile input is expected:
// every read is bounds-checked and compression pointers are followed a bounded number of times.
#include <cstddef>
#include <cstdint>

#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

struct DnsMessage {
  bool response = false;
  DnsRecord record;  // ts and client are left for the caller
};

// false when `data` is not a DNS message we can read (it is then ignored, never fatal).
bool parse_dns(const std::uint8_t* data, std::size_t len, DnsMessage& out);

}  // namespace sg::hunt
