// Writes one busy day of Zeek conn.log (TSV) for the "never blind" benchmark (issue 10 §1):
// N connections over 24 h from 20 000 internal hosts, ~90 % of them to a distinct external
// (src, dst, port) pair, the rest repeats; from hour 12 a beacon (10.1.2.3 -> 203.0.113.77:443
// every ~300 s, ±10 % jitter) and a BMC calling out (10.99.0.5 -> 198.51.100.9:443 every ~30 min)
// are planted among them. A bench tool, not shipping code.
//   gen_conn_day OUT.log [LINES]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

void ip4(char* out, std::uint32_t a) {
  std::snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_conn_day OUT.log [LINES]\n");
    return 2;
  }
  const std::uint64_t lines = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10'000'000;
  std::FILE* f = std::fopen(argv[1], "wb");
  if (!f) { std::perror(argv[1]); return 1; }
  std::setvbuf(f, nullptr, _IOFBF, 1 << 22);
  std::fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
             "#open\t2026-04-20-00-00-00\n"
             "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
             "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
             "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
             "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
             "count\tstring\tcount\tcount\tcount\tcount\tset[string]\n",
             f);
  std::mt19937_64 rng(10);
  const double day0 = 1776643200.0;  // 2026-04-20 00:00:00 UTC
  const double step = 86400.0 / double(lines);
  // Plant schedules, merged into the time-ordered stream.
  double next_beacon = day0 + 12 * 3600 + 17, next_bmc = day0 + 12 * 3600 + 600;
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  std::vector<std::uint32_t> recent(4096);
  char src[16], dst[16];
  std::uint64_t uid = 0, beacons = 0, bmcs = 0;
  auto line = [&](double ts, const char* o, unsigned op, const char* r, unsigned rp, const char* proto, double dur,
                  std::uint64_t ob, std::uint64_t rb) {
    std::fprintf(f, "%.6f\tC%llx\t%s\t%u\t%s\t%u\t%s\t-\t%.6f\t%llu\t%llu\tSF\t-\t-\t0\tShADadFf\t6\t%llu\t5\t%llu\t-\n",
                 ts, (unsigned long long)++uid, o, op, r, rp, proto, dur, (unsigned long long)ob,
                 (unsigned long long)rb, (unsigned long long)(ob + 312), (unsigned long long)(rb + 260));
  };
  for (std::uint64_t i = 0; i < lines; ++i) {
    const double ts = day0 + double(i) * step;
    while (next_beacon <= ts) {
      line(next_beacon, "10.1.2.3", 51000 + unsigned(beacons % 1000), "203.0.113.77", 443, "tcp", 0.4, 220, 540);
      next_beacon += 300 * (1 + jitter(rng));
      ++beacons;
    }
    while (next_bmc <= ts) {
      line(next_bmc, "10.99.0.5", 40000 + unsigned(bmcs % 1000), "198.51.100.9", 443, "tcp", 1.2, 4100, 230);
      next_bmc += 1800 * (1 + jitter(rng) / 2);
      ++bmcs;
    }
    const std::uint64_t r = rng();
    const std::uint32_t s = 0x0A000000u | std::uint32_t(256 + (r % 20000));
    std::uint32_t d;
    if ((r >> 20) % 10 == 0) {
      d = recent[(r >> 32) % recent.size()];  // a repeat of a recent destination
      if (d == 0) d = 0x2D000001u;
    } else {
      // Public-looking space, skipping 0/8, 10/8, 127/8, 224/3.
      d = std::uint32_t(0x0B000000u + (r >> 24) % 0xD0000000u);
      if ((d >> 24) == 127 || (d >> 24) >= 224 || (d >> 16) == 0xA9FE || (d >> 20) == 0xAC1 || (d >> 16) == 0xC0A8)
        d = 0x2D000000u | (d & 0xFFFFFF);
      recent[(r >> 40) % recent.size()] = d;
    }
    ip4(src, s);
    ip4(dst, d);
    const unsigned ports[] = {443, 443, 443, 80, 53, 123, 8443, 993};
    const unsigned port = ports[(r >> 8) % 8];
    line(ts, src, 1024 + unsigned(r % 60000), dst, port, port == 53 || port == 123 ? "udp" : "tcp",
         double((r >> 16) % 5000) / 1000.0, 200 + (r >> 12) % 3000, 500 + (r >> 28) % 40000);
  }
  std::fclose(f);
  std::fprintf(stderr, "gen_conn_day: %llu lines (%llu beacon callbacks, %llu BMC calls from hour 12)\n",
               (unsigned long long)(lines + beacons + bmcs), (unsigned long long)beacons, (unsigned long long)bmcs);
  return 0;
}
