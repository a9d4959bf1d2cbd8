#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "collectors.hpp"
#include "ima_collect.hpp"
#include "supplyguard/core/time.hpp"

namespace sg::attest {

Snapshot collect_snapshot(const CollectOptions& o) {
  detail::Tree t(o.root);
  Snapshot s;
  s.root = o.root.string();
  s.collected_at = o.collected_at.value_or(core::format_iso8601(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count()));
  detail::collect_identity(t, s.host);
  detail::collect_dmi(t, s.components, s.host);
  detail::name_host(t, s.host, s.components);
  detail::collect_pci(t, s.components);
  detail::collect_usb(t, s.components);
  detail::collect_i2c(t, s.components);
  detail::collect_net(t, s.components);
  detail::collect_disks(t, s.components);
  detail::collect_modules(t, s.host.kernel_release, s.modules);
  detail::collect_firmware(t, o, s.firmware);
  detail::collect_eventlog(t, s.eventlog);
  s.host.model = s.host.system_vendor + " / " + s.host.product + " / " + s.host.baseboard;
  if (s.host.system_vendor.empty() && s.host.product.empty() && s.host.baseboard.empty()) s.host.model = "unknown";

  // Identities are unique by construction except DMI slots that firmware names alike (two
  // "CPU" sockets): number the repeats, in table order, so each (bus, path) stays one component.
  std::map<std::string, int> seen;
  for (auto& c : s.components)
    if (int n = ++seen[c.id]; n > 1) c.id += "#" + std::to_string(n);
  std::stable_sort(s.components.begin(), s.components.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::sort(s.modules.begin(), s.modules.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::sort(s.firmware.begin(), s.firmware.end(), [](auto& a, auto& b) { return a.path < b.path; });
  s.unreadable = std::move(t.unreadable());
  detail::collect_ima(o.root, s);
  if (s.host.addresses.empty())
    s.unreadable.push_back({"proc/net", "no own address found in proc/net/fib_trie or proc/net/if_inet6", "host", "", ""});
  std::sort(s.unreadable.begin(), s.unreadable.end(),
            [](auto& a, auto& b) { return std::tie(a.path, a.why) < std::tie(b.path, b.why); });
  return s;
}

}  // namespace sg::attest
