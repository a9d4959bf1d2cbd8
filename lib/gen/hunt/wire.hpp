#pragma once
// Units, TCP flags and address helpers the capture generators share (edge and scenario
// traffic), kept in one place so both can be compiled in one unity batch.
#include <cstdint>

#include "supplyguard/core/time.hpp"
#include "supplyguard/hunt/net.hpp"

namespace sg::hunt::wire {

inline constexpr core::Micros kMs = 1000, kSec = 1'000'000;

enum : std::uint8_t { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

inline IpAddr v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return IpAddr::v4(std::uint32_t(a) << 24 | std::uint32_t(b) << 16 | std::uint32_t(c) << 8 | d);
}

}  // namespace sg::hunt::wire
