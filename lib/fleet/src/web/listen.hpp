#pragma once
// --listen ADDR:PORT, checked before anything binds: a typo must not silently become "every
// interface" or port 0.
#include <string>
#include <string_view>

namespace sg::fleet::web {

struct ListenAddress {
  std::string host;   // as given to bind(): "127.0.0.1", "::1", "0.0.0.0", ...
  int port = 0;       // 0: pick a free port
  bool loopback = false;
};

// Accepts IPv4 "A.B.C.D:PORT", "[IPv6]:PORT" and "localhost:PORT". Throws core::InputError
// (source "--listen") naming what is wrong.
ListenAddress parse_listen(std::string_view text);

}  // namespace sg::fleet::web
