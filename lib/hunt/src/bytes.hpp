// Big-endian field reads shared by the wire decoders (link layers, DNS, TLS,
// HTTP/TLS naming). One definition, so the sources can be compiled together
// in a unity build without four private copies colliding.
#pragma once

#include <cstdint>

namespace sg::hunt {

inline std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }

}  // namespace sg::hunt
