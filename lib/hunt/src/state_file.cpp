// The sensor's state file (format in sensor.hpp): encode, decode with the caps applied, age out,
// and the atomic save / forgiving load around them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "state.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/sensor.hpp"

namespace sg::hunt {

namespace {

constexpr char kMagic[8] = {'S', 'G', 'H', 'U', 'N', 'T', 'S', 'T'};
constexpr std::uint32_t kRequired = 1;
constexpr std::size_t kMaxString = 4096;        // DNS names are <= 253; identities a little longer
constexpr std::uint32_t kMaxSections = 4096;

constexpr std::uint32_t tag(const char (&s)[5]) {
  return std::uint32_t(std::uint8_t(s[0])) | std::uint32_t(std::uint8_t(s[1])) << 8 |
         std::uint32_t(std::uint8_t(s[2])) << 16 | std::uint32_t(std::uint8_t(s[3])) << 24;
}
constexpr std::uint32_t kMeta = tag("META"), kDrop = tag("DROP"), kPair = tag("PAIR"), kMgmt = tag("MGMT"),
                        kName = tag("NAME"), kDomn = tag("DOMN"), kLong = tag("LONG"), kRptd = tag("RPTD");
// Names from the traffic (SNI/Host series, per-pair names, TLS fingerprints) and their drop
// counters: sections of their own, so files written before them still load (and skip nothing).
constexpr std::uint32_t kNser = tag("NSER"), kCnam = tag("CNAM"), kTlsc = tag("TLSC"), kDrpn = tag("DRPN");

std::string tag_text(std::uint32_t t) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const char c = char(t >> (8 * i));
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
}

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(char(v)); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void i64(std::int64_t v) { le(std::uint64_t(v), 8); }
  void f64(double v) {
    std::uint64_t x;
    std::memcpy(&x, &v, 8);
    u64(x);
  }
  void ip(const IpAddr& a) { out_.append(reinterpret_cast<const char*>(a.b.data()), 16); }
  void str(std::string_view s) {
    s = s.substr(0, kMaxString);
    u32(std::uint32_t(s.size()));
    out_.append(s);
  }
  std::string& bytes() { return out_; }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(char(v >> (8 * i)));
  }
  std::string out_;
};

// Bounds-checked reader over one section; every error names the file and the absolute offset.
class StateReader {
 public:
  StateReader(std::string_view data, const std::string& name, std::uint64_t base) : d_(data), name_(name), base_(base) {}
  [[noreturn]] void fail(const std::string& what) const { throw core::InputError::at_offset(name_, base_ + pos_, what); }
  void need(std::size_t n, const char* what) const {
    if (d_.size() - pos_ < n) fail(std::string("truncated ") + what);
  }
  std::uint64_t le(int n, const char* what) {
    need(std::size_t(n), what);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(std::uint8_t(d_[pos_ + std::size_t(i)])) << (8 * i);
    pos_ += std::size_t(n);
    return v;
  }
  std::uint8_t u8(const char* w) { return std::uint8_t(le(1, w)); }
  std::uint16_t u16(const char* w) { return std::uint16_t(le(2, w)); }
  std::uint32_t u32(const char* w) { return std::uint32_t(le(4, w)); }
  std::uint64_t u64(const char* w) { return le(8, w); }
  std::int64_t i64(const char* w) { return std::int64_t(le(8, w)); }
  double f64(const char* w) {
    const std::uint64_t x = u64(w);
    double v;
    std::memcpy(&v, &x, 8);
    if (!std::isfinite(v)) fail(std::string("non-finite number in ") + w);
    return v;
  }
  IpAddr ip(const char* w) {
    need(16, w);
    IpAddr a;
    std::memcpy(a.b.data(), d_.data() + pos_, 16);
    pos_ += 16;
    return a;
  }
  std::string str(const char* w) {
    const std::uint32_t n = u32(w);
    if (n > kMaxString) fail(std::string(w) + ": string of " + std::to_string(n) + " bytes (limit " + std::to_string(kMaxString) + ")");
    need(n, w);
    std::string s(d_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of records each at least `min_bytes` long: refused if the section cannot hold them,
  // so a hostile count never drives an allocation.
  std::uint64_t count(std::size_t min_bytes, const char* w) {
    const std::uint64_t n = u64(w);
    if (n > (d_.size() - pos_) / std::max<std::size_t>(min_bytes, 1))
      fail(std::string(w) + ": count " + std::to_string(n) + " does not fit in the section");
    return n;
  }
  std::uint32_t count32(std::size_t min_bytes, const char* w) {
    const std::uint32_t n = u32(w);
    if (n > (d_.size() - pos_) / std::max<std::size_t>(min_bytes, 1))
      fail(std::string(w) + ": count " + std::to_string(n) + " does not fit in the section");
    return n;
  }
  bool done() const { return pos_ == d_.size(); }
  void expect_end(const char* w) const {
    if (!done()) fail(std::to_string(d_.size() - pos_) + " unexpected bytes after " + w);
  }

 private:
  std::string_view d_;
  const std::string& name_;
  std::uint64_t base_;
  std::size_t pos_ = 0;
};

Micros finding_time(const core::Finding& f) { return f.last_seen.value_or(f.first_seen.value_or(0)); }

}  // namespace

std::string finding_identity(const core::Finding& f) {
  std::string k(core::to_string(f.plane));
  k += '\x1f';
  k += f.type;
  k += '\x1f';
  k += f.host;
  k += '\x1f';
  k += f.subject;
  return k;
}

std::vector<core::Finding> ReportMemory::news(const std::vector<core::Finding>& all) {
  std::vector<core::Finding> out;
  for (const auto& f : all) {
    std::string key = finding_identity(f);
    auto it = entries_.find(key);
    const Micros t = finding_time(f);
    if (it == entries_.end()) {
      entries_.emplace(std::move(key), Entry{f.severity, t});
      out.push_back(f);
    } else {
      it->second.last_seen = std::max(it->second.last_seen, t);
      if (f.severity > it->second.severity) {
        it->second.severity = f.severity;
        out.push_back(f);
      }
    }
  }
  if (entries_.size() > kMaxEntries) {  // bounded: forget the longest-quiet identities
    std::vector<Micros> times;
    times.reserve(entries_.size());
    for (const auto& [k, e] : entries_) times.push_back(e.last_seen);
    auto mid = times.begin() + std::ptrdiff_t(entries_.size() - kMaxEntries * 3 / 4);
    std::nth_element(times.begin(), mid, times.end());
    age_out(*mid);
  }
  return out;
}

void ReportMemory::age_out(Micros cutoff) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.last_seen < cutoff; });
}

// Friend of Analyzer and HuntState: the only code that reads or rebuilds their tables whole.
struct StateCodec {
  static void put_series(Writer& w, const PairStats& p) {
    w.i64(p.first);
    w.i64(p.last);
    w.u64(p.conns);
    w.u64(p.out_bytes);
    w.u64(p.in_bytes);
    w.u64(p.calls_dropped);
    w.u8(std::uint8_t((p.outbound ? 1 : 0) | (p.from_mgmt ? 2 : 0)));
    w.u32(std::uint32_t(p.calls.size()));
    for (const auto& c : p.calls) {
      w.i64(c.ts);
      w.u64(c.bytes);
    }
  }

  static void put_pairs(Writer& w, const HuntState::PairMap& m) {
    w.u64(m.size());
    for (const auto& [k, p] : m) {
      w.ip(k.src);
      w.ip(k.dst);
      w.u16(k.dport);
      w.u8(k.proto);
      put_series(w, p);
    }
  }

  static std::string encode(const Analyzer& a, const ReportMemory& mem) {
    const HuntState& s = *a.state_;
    struct Section {
      std::uint32_t tag, flags;
      std::string payload;
    };
    std::vector<Section> sections;
    {
      Writer w;
      w.i64(s.now_);
      w.u64(a.conns_);
      w.u64(a.dns_);
      w.u64(s.not_destination_);
      w.i64(std::int64_t(std::time(nullptr)) * 1'000'000);  // when saved (wall clock), for messages
      sections.push_back({kMeta, kRequired, std::move(w.bytes())});
    }
    {
      Writer w;
      const DropStats& d = s.drops_;
      for (std::uint64_t v : {d.singleton_pairs_evicted, d.idle_pairs_evicted, d.domains_evicted, d.pairs_evicted_at_budget,
                              d.mgmt_pairs_untracked, d.callbacks_not_kept, d.names_untracked, d.domains_untracked,
                              d.long_conns_untracked})
        w.u64(v);
      sections.push_back({kDrop, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      put_pairs(w, s.pairs_);
      sections.push_back({kPair, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      put_pairs(w, s.mgmt_pairs_);
      sections.push_back({kMgmt, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.names_.size());
      for (const auto& [ip, name] : s.names_) {
        w.ip(ip);
        w.str(name);
      }
      sections.push_back({kName, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.domains_.size());
      for (const auto& [key, d] : s.domains_) {
        w.str(key);
        w.i64(d.first);
        w.i64(d.last);
        w.ip(d.client);
        w.u64(d.queries);
        w.u64(d.txt_null);
        w.u64(d.long_names);
        w.f64(d.entropy_sum);
        w.u64(d.with_sub);
        w.u32(std::uint32_t(d.unique.size()));
        // Sorted: the same state always encodes to the same bytes.
        std::vector<std::uint64_t> u(d.unique.begin(), d.unique.end());
        std::sort(u.begin(), u.end());
        for (auto h : u) w.u64(h);
        w.u32(std::uint32_t(d.clients.size()));
        for (const auto& c : d.clients) w.ip(c);
      }
      sections.push_back({kDomn, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.long_conns_.size());
      for (const auto& c : s.long_conns_) {
        w.i64(c.ts);
        w.i64(c.duration);
        w.ip(c.orig);
        w.ip(c.resp);
        w.u16(c.orig_port);
        w.u16(c.resp_port);
        w.u8(c.proto);
        w.u64(c.orig_bytes);
        w.u64(c.resp_bytes);
        w.u32(c.orig_pkts);
        w.u32(c.resp_pkts);
        w.u8(std::uint8_t(c.local_orig));
        w.u8(std::uint8_t(c.local_resp));
        w.u8(c.still_open ? 1 : 0);
      }
      sections.push_back({kLong, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(mem.entries().size());
      for (const auto& [key, e] : mem.entries()) {
        w.str(key);
        w.u8(std::uint8_t(e.severity));
        w.i64(e.last_seen);
      }
      sections.push_back({kRptd, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.name_series_.size());
      for (const auto& [k, n] : s.name_series_) {
        w.ip(k.src);
        w.u16(k.dport);
        w.u8(k.proto);
        w.str(n.name);  // the key's hash is recomputed from it on load
        w.str(n.tls_fp);
        w.u64(n.more_dsts);
        w.u32(std::uint32_t(n.dsts.size()));
        for (const auto& d : n.dsts) w.ip(d);
        put_series(w, n.series);
      }
      sections.push_back({kNser, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.conn_names_.size());
      for (const auto& [k, n] : s.conn_names_) {
        w.ip(k.src);
        w.ip(k.dst);
        w.u16(k.dport);
        w.u8(k.proto);
        w.str(n.server_name);
        w.str(n.tls_fp);
        w.str(n.alpn);
        w.str(n.user_agent);
      }
      sections.push_back({kCnam, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      w.u64(s.named_conns_);
      w.u32(std::uint32_t(s.tls_sources_.size()));
      std::vector<IpAddr> srcs(s.tls_sources_.begin(), s.tls_sources_.end());
      std::sort(srcs.begin(), srcs.end());
      for (const auto& a : srcs) w.ip(a);
      w.u64(s.tls_clients_.size());
      for (const auto& [fp, t] : s.tls_clients_) {
        w.str(fp);
        w.str(t.server_name);
        w.ip(t.first_dst);
        w.u16(t.dport);
        w.str(t.alpn);
        w.i64(t.first);
        w.i64(t.last);
        w.u64(t.conns);
        w.u32(std::uint32_t(t.sources.size()));
        for (const auto& a : t.sources) w.ip(a);
      }
      sections.push_back({kTlsc, 0, std::move(w.bytes())});
    }
    {
      Writer w;
      const DropStats& d = s.drops_;
      for (std::uint64_t v : {d.singleton_name_series_evicted, d.name_series_untracked, d.conn_names_untracked,
                              d.tls_fps_untracked})
        w.u64(v);
      sections.push_back({kDrpn, 0, std::move(w.bytes())});
    }
    Writer out;
    out.bytes().append(kMagic, 8);
    out.u32(kStateFileVersion);
    out.u32(std::uint32_t(sections.size()));
    for (const auto& sec : sections) {
      out.u32(sec.tag);
      out.u32(sec.flags);
      out.u64(sec.payload.size());
      out.u32(std::uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(sec.payload.data()), sec.payload.size())));
      out.bytes().append(sec.payload);
    }
    return std::move(out.bytes());
  }

  // Recomputes the byte estimates the eviction rules use, after a load or an age-out.
  static void recount(HuntState& s) {
    s.bytes_ = s.pair_bytes_ = 0;
    for (const auto& [k, p] : s.pairs_) s.pair_bytes_ += HuntState::pair_bytes(p);
    s.bytes_ = s.pair_bytes_;
    for (const auto& [k, p] : s.mgmt_pairs_) s.bytes_ += HuntState::pair_bytes(p);
    for (const auto& [ip, n] : s.names_) s.bytes_ += HuntState::kNameBytes + n.size();
    for (const auto& [k, d] : s.domains_) s.bytes_ += HuntState::domain_bytes(k, d);
    s.bytes_ += s.long_conns_.size() * (sizeof(ConnRecord) + 32);
    for (const auto& [k, n] : s.name_series_)
      s.bytes_ += HuntState::kNameSeriesBytes + n.name.capacity() + n.series.calls.capacity() * sizeof(Callback) +
                  n.dsts.capacity() * sizeof(IpAddr);
    for (const auto& [k, n] : s.conn_names_)
      s.bytes_ += HuntState::kConnNamesBytes + n.server_name.size() + n.tls_fp.size() + n.alpn.size() + n.user_agent.size();
    for (const auto& [fp, t] : s.tls_clients_) s.bytes_ += HuntState::kTlsClientBytes + fp.size() + t.server_name.size();
    s.long_index_.clear();
    for (std::size_t i = 0; i < s.long_conns_.size(); ++i) {
      const ConnRecord& c = s.long_conns_[i];
      std::uint64_t id[6] = {std::uint64_t(c.ts), c.orig.hi(), c.orig.lo(), c.resp.hi(), c.resp.lo(),
                             std::uint64_t(c.orig_port) << 16 | c.resp_port};
      s.long_index_.emplace(state_hash(id, sizeof id), i);
    }
    s.next_pair_room_ = s.next_domain_room_ = 0;
  }

  static std::uint64_t age_out(HuntState& s, Micros cutoff) {
    std::uint64_t n = 0;
    for (auto* table : {&s.pairs_, &s.mgmt_pairs_}) {
      n += table->erase_if([&](const auto& kv) { return kv.second.last < cutoff; });
      for (auto& [k, p] : *table) {
        const auto old = p.calls.size();
        std::erase_if(p.calls, [&](const Callback& c) { return c.ts < cutoff; });
        n += old - p.calls.size();
        if (old != p.calls.size() && !p.calls.empty())  // the series now starts where its evidence does
          p.first = std::min_element(p.calls.begin(), p.calls.end(), [](const Callback& a, const Callback& b) {
                      return a.ts < b.ts;
                    })->ts;
      }
    }
    n += s.domains_.erase_if([&](const auto& kv) { return kv.second.last < cutoff; });
    n += std::erase_if(s.name_series_, [&](const auto& kv) { return kv.second.series.last < cutoff; });
    for (auto& [k, ns] : s.name_series_) {
      auto& calls = ns.series.calls;
      const auto old = calls.size();
      std::erase_if(calls, [&](const Callback& c) { return c.ts < cutoff; });
      n += old - calls.size();
      if (old != calls.size() && !calls.empty())
        ns.series.first = std::min_element(calls.begin(), calls.end(), [](const Callback& a, const Callback& b) {
                            return a.ts < b.ts;
                          })->ts;
    }
    n += std::erase_if(s.tls_clients_, [&](const auto& kv) { return kv.second.last < cutoff; });
    n += std::erase_if(s.long_conns_, [&](const ConnRecord& c) { return c.ts + c.duration < cutoff; });
    if (n) recount(s);
    return n;
  }

  // One series body (the layout put_series writes), its callbacks capped like the live table's.
  static PairStats get_series(StateReader& r, HuntState& s, StateSummary& sum) {
    const HuntConfig& cfg = s.cfg_;
    PairStats p;
    p.first = r.i64("series first");
    p.last = r.i64("series last");
    p.conns = r.u64("series connections");
    p.out_bytes = r.u64("series bytes");
    p.in_bytes = r.u64("series bytes");
    p.calls_dropped = r.u64("series dropped callbacks");
    const std::uint8_t flags = r.u8("series flags");
    if (flags > 3) r.fail("series flags " + std::to_string(flags) + " unknown");
    p.outbound = flags & 1;
    p.from_mgmt = flags & 2;
    const std::uint32_t calls = r.count32(16, "callbacks");
    p.calls.reserve(std::min<std::size_t>(calls, cfg.max_calls_per_pair));
    const std::size_t skip = calls > cfg.max_calls_per_pair ? calls - cfg.max_calls_per_pair : 0;
    for (std::uint32_t c = 0; c < calls; ++c) {
      Callback cb;
      cb.ts = r.i64("callback time");
      cb.bytes = r.u64("callback bytes");
      if (c >= skip) p.calls.push_back(cb);
    }
    if (skip) {
      p.calls_dropped += skip;
      s.drops_.callbacks_not_kept += skip;
      sum.over_caps += skip;
    }
    return p;
  }

  static void get_pairs(StateReader& r, HuntState& s, bool mgmt, StateSummary& sum) {
    const HuntConfig& cfg = s.cfg_;
    HuntState::PairMap& table = mgmt ? s.mgmt_pairs_ : s.pairs_;
    const std::size_t cap = mgmt ? cfg.max_mgmt_pairs : cfg.max_pairs;
    const std::uint64_t n = r.count(16 + 16 + 2 + 1 + 8 * 6 + 1 + 4, "series");
    for (std::uint64_t i = 0; i < n; ++i) {
      PairKey k;
      k.src = r.ip("series source");
      k.dst = r.ip("series destination");
      k.dport = r.u16("series port");
      k.proto = r.u8("series protocol");
      PairStats p = get_series(r, s, sum);
      if (table.size() >= cap) {
        ++(mgmt ? s.drops_.mgmt_pairs_untracked : s.drops_.pairs_evicted_at_budget);
        ++sum.over_caps;
        continue;
      }
      auto [it, fresh] = table.emplace(k, std::move(p));
      if (!fresh) r.fail("series listed twice");
    }
    r.expect_end("the series");
  }

  static StateSummary decode(std::string_view bytes, const std::string& name, Analyzer& a, ReportMemory& mem,
                             const StateOptions& opt) {
    auto fresh = std::make_unique<HuntState>(a.cfg_);
    HuntState& s = *fresh;
    ReportMemory m;
    StateSummary sum;
    std::uint64_t conns = 0, dns = 0;
    StateReader head(bytes, name, 0);
    head.need(16, "header (16 bytes)");
    if (std::memcmp(bytes.data(), kMagic, 8) != 0) head.fail("not a supplyguard hunt state file (wrong magic)");
    head.le(8, "magic");
    const std::uint32_t version = head.u32("version");
    if (version != kStateFileVersion)
      throw core::InputError::at_offset(name, 8, "state file version " + std::to_string(version) +
                                                     ", this build reads version " + std::to_string(kStateFileVersion));
    const std::uint32_t n_sections = head.u32("section count");
    if (n_sections > kMaxSections) throw core::InputError::at_offset(name, 12, "section count " + std::to_string(n_sections) + " out of range");
    std::uint64_t at = 16;
    bool have_meta = false;
    for (std::uint32_t i = 0; i < n_sections; ++i) {
      StateReader h(bytes.substr(at), name, at);
      const std::uint32_t t = h.u32("section header (20 bytes)");
      const std::uint32_t flags = h.u32("section header (20 bytes)");
      const std::uint64_t len = h.u64("section header (20 bytes)");
      const std::uint32_t crc = h.u32("section header (20 bytes)");
      const std::uint64_t body = at + 20;
      if (len > bytes.size() - body)
        throw core::InputError::at_offset(name, at, "section " + tag_text(t) + ": truncated (" + std::to_string(len) +
                                                        " bytes announced, " + std::to_string(bytes.size() - body) + " left)");
      const std::string_view payload = bytes.substr(body, len);
      if (crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size()) != crc)
        throw core::InputError::at_offset(name, body, "section " + tag_text(t) + ": checksum mismatch (corrupt)");
      StateReader r(payload, name, body);
      if (t == kMeta) {
        s.now_ = r.i64("data time");
        conns = r.u64("connection count");
        dns = r.u64("DNS count");
        s.not_destination_ = r.u64("not-a-destination count");
        r.i64("save time");
        have_meta = true;
      } else if (t == kDrop) {
        DropStats& d = s.drops_;
        for (std::uint64_t* v : {&d.singleton_pairs_evicted, &d.idle_pairs_evicted, &d.domains_evicted, &d.pairs_evicted_at_budget,
                                 &d.mgmt_pairs_untracked, &d.callbacks_not_kept, &d.names_untracked, &d.domains_untracked,
                                 &d.long_conns_untracked})
          *v += r.u64("drop counter");
        r.expect_end("the drop counters");
      } else if (t == kPair || t == kMgmt) {
        get_pairs(r, s, t == kMgmt, sum);
      } else if (t == kName) {
        const std::uint64_t n = r.count(20, "names");
        for (std::uint64_t k = 0; k < n; ++k) {
          const IpAddr ip = r.ip("name address");
          std::string nm = r.str("name");
          if (s.names_.size() >= s.cfg_.max_names) {
            ++s.drops_.names_untracked;
            ++sum.over_caps;
          } else {
            s.names_[ip] = std::move(nm);
          }
        }
        r.expect_end("the names");
      } else if (t == kDomn) {
        const std::uint64_t n = r.count(4 + 16 + 16 + 8 * 5 + 8 + 4 + 4, "domains");
        for (std::uint64_t k = 0; k < n; ++k) {
          std::string key = r.str("domain");
          DomainStats d;
          d.first = r.i64("domain first");
          d.last = r.i64("domain last");
          d.client = r.ip("domain client");
          d.queries = r.u64("domain queries");
          d.txt_null = r.u64("domain TXT/NULL");
          d.long_names = r.u64("domain long names");
          d.entropy_sum = r.f64("domain entropy");
          d.with_sub = r.u64("domain subdomain count");
          const std::uint32_t nu = r.count32(8, "domain subdomain hashes");
          for (std::uint32_t u = 0; u < nu; ++u) {
            const std::uint64_t h = r.u64("subdomain hash");
            if (d.unique.size() < s.cfg_.max_unique_per_domain) d.unique.insert(h);
          }
          const std::uint32_t nc = r.count32(16, "domain clients");
          for (std::uint32_t c = 0; c < nc; ++c) {
            const IpAddr ip = r.ip("domain client");
            if (d.clients.size() < s.cfg_.max_domain_clients) d.clients.push_back(ip);
          }
          if (s.domains_.size() >= s.cfg_.max_domains) {
            ++s.drops_.domains_untracked;
            ++sum.over_caps;
            continue;
          }
          if (!s.domains_.emplace(std::move(key), std::move(d)).second) r.fail("domain listed twice");
        }
        r.expect_end("the domains");
      } else if (t == kLong) {
        const std::uint64_t n = r.count(8 + 8 + 32 + 4 + 1 + 16 + 8 + 3, "long connections");
        for (std::uint64_t k = 0; k < n; ++k) {
          ConnRecord c;
          c.ts = r.i64("connection time");
          c.duration = r.i64("connection duration");
          c.orig = r.ip("connection originator");
          c.resp = r.ip("connection responder");
          c.orig_port = r.u16("connection port");
          c.resp_port = r.u16("connection port");
          c.proto = r.u8("connection protocol");
          c.orig_bytes = r.u64("connection bytes");
          c.resp_bytes = r.u64("connection bytes");
          c.orig_pkts = r.u32("connection packets");
          c.resp_pkts = r.u32("connection packets");
          c.local_orig = std::int8_t(r.u8("connection flags"));
          c.local_resp = std::int8_t(r.u8("connection flags"));
          c.still_open = r.u8("connection flags") != 0;
          if (s.long_conns_.size() >= s.cfg_.max_long_conns) {
            ++s.drops_.long_conns_untracked;
            ++sum.over_caps;
          } else {
            s.long_conns_.push_back(c);
          }
        }
        r.expect_end("the long connections");
      } else if (t == kRptd) {
        const std::uint64_t n = r.count(4 + 1 + 8, "reported findings");
        for (std::uint64_t k = 0; k < n; ++k) {
          std::string key = r.str("finding identity");
          const std::uint8_t sev = r.u8("finding severity");
          if (sev > std::uint8_t(core::Severity::critical)) r.fail("finding severity " + std::to_string(sev) + " unknown");
          const Micros last = r.i64("finding last seen");
          if (m.entries().size() < ReportMemory::kMaxEntries) m.put(std::move(key), {core::Severity(sev), last});
        }
        r.expect_end("the reported findings");
      } else if (t == kNser) {
        const std::uint64_t n = r.count(16 + 2 + 1 + 4 + 4 + 8 + 4 + 8 * 6 + 1 + 4, "name series");
        for (std::uint64_t k = 0; k < n; ++k) {
          NameSeriesKey key;
          key.src = r.ip("name series source");
          key.dport = r.u16("name series port");
          key.proto = r.u8("name series protocol");
          NameSeries ns;
          ns.name = r.str("name series name");
          key.name_hash = state_hash(ns.name.data(), ns.name.size());
          ns.tls_fp = r.str("name series fingerprint");
          ns.more_dsts = r.u64("name series extra addresses");
          const std::uint32_t nd = r.count32(16, "name series addresses");
          for (std::uint32_t d = 0; d < nd; ++d) {
            const IpAddr ip = r.ip("name series address");
            if (ns.dsts.size() < 16) ns.dsts.push_back(ip);
            else ++ns.more_dsts;
          }
          ns.series = get_series(r, s, sum);
          if (s.name_series_.size() >= s.cfg_.max_name_series) {
            ++s.drops_.name_series_untracked;
            ++sum.over_caps;
            continue;
          }
          if (!s.name_series_.emplace(key, std::move(ns)).second) r.fail("name series listed twice");
        }
        r.expect_end("the name series");
      } else if (t == kCnam) {
        const std::uint64_t n = r.count(16 + 16 + 2 + 1 + 4 * 4, "connection names");
        for (std::uint64_t k = 0; k < n; ++k) {
          PairKey key;
          key.src = r.ip("connection name source");
          key.dst = r.ip("connection name destination");
          key.dport = r.u16("connection name port");
          key.proto = r.u8("connection name protocol");
          ConnNames cn;
          cn.server_name = r.str("server name");
          cn.tls_fp = r.str("TLS fingerprint");
          cn.alpn = r.str("ALPN");
          cn.user_agent = r.str("user agent");
          if (s.conn_names_.size() >= s.cfg_.max_conn_names) {
            ++s.drops_.conn_names_untracked;
            ++sum.over_caps;
            continue;
          }
          if (!s.conn_names_.emplace(key, std::move(cn)).second) r.fail("connection names listed twice");
        }
        r.expect_end("the connection names");
      } else if (t == kTlsc) {
        s.named_conns_ = r.u64("named connection count");
        const std::uint32_t ns = r.count32(16, "TLS client sources");
        for (std::uint32_t k = 0; k < ns; ++k) {
          const IpAddr ip = r.ip("TLS client source");
          if (s.tls_sources_.size() < 64) s.tls_sources_.insert(ip);
        }
        const std::uint64_t n = r.count(4 + 4 + 16 + 2 + 4 + 8 * 3 + 4, "TLS fingerprints");
        for (std::uint64_t k = 0; k < n; ++k) {
          std::string fp = r.str("TLS fingerprint");
          TlsClient tc;
          tc.server_name = r.str("fingerprint server name");
          tc.first_dst = r.ip("fingerprint destination");
          tc.dport = r.u16("fingerprint port");
          tc.alpn = r.str("fingerprint ALPN");
          tc.first = r.i64("fingerprint first");
          tc.last = r.i64("fingerprint last");
          tc.conns = r.u64("fingerprint connections");
          const std::uint32_t nsrc = r.count32(16, "fingerprint sources");
          for (std::uint32_t c = 0; c < nsrc; ++c) {
            const IpAddr ip = r.ip("fingerprint source");
            if (tc.sources.size() < s.cfg_.max_fp_sources &&
                std::find(tc.sources.begin(), tc.sources.end(), ip) == tc.sources.end())
              tc.sources.push_back(ip);
          }
          if (s.tls_clients_.size() >= s.cfg_.max_tls_fps) {
            ++s.drops_.tls_fps_untracked;
            ++sum.over_caps;
            continue;
          }
          if (!s.tls_clients_.emplace(std::move(fp), std::move(tc)).second) r.fail("TLS fingerprint listed twice");
        }
        r.expect_end("the TLS fingerprints");
      } else if (t == kDrpn) {
        DropStats& d = s.drops_;
        for (std::uint64_t* v : {&d.singleton_name_series_evicted, &d.name_series_untracked, &d.conn_names_untracked,
                                 &d.tls_fps_untracked})
          *v += r.u64("drop counter");
        r.expect_end("the name drop counters");
      } else if (flags & kRequired) {
        throw core::InputError::at_offset(name, at, "section " + tag_text(t) + " is required but unknown to this build");
      } else {
        ++sum.unknown_sections;  // a newer build's table: skipped, the rest still loads
      }
      at = body + len;
    }
    if (at != bytes.size())
      throw core::InputError::at_offset(name, at, std::to_string(bytes.size() - at) + " bytes after the last section");
    if (!have_meta) throw core::InputError::at_offset(name, 16, "no META section");
    // Old evidence ages out on load too (a shorter --state-max-age takes effect at once).
    sum.aged_out = age_out(s, s.now_ - opt.max_age);
    m.age_out(s.now_ - opt.max_age);
    recount(s);
    a.state_ = std::move(fresh);
    a.conns_ = conns;
    a.dns_ = dns;
    mem = std::move(m);
    summarise(a, mem, sum);
    sum.bytes = bytes.size();
    return sum;
  }

  static void summarise(const Analyzer& a, const ReportMemory& mem, StateSummary& sum) {
    const HuntState& s = *a.state_;
    sum.pairs = s.pairs_.size();
    sum.mgmt_pairs = s.mgmt_pairs_.size();
    sum.names = s.names_.size();
    sum.domains = s.domains_.size();
    sum.long_conns = s.long_conns_.size();
    sum.reported = mem.entries().size();
  }

  static std::uint64_t age_out(Analyzer& a, Micros cutoff) { return age_out(*a.state_, cutoff); }
  static Micros now(const Analyzer& a) { return a.state_->now_; }
};

std::uint64_t age_out(Analyzer& analyzer, ReportMemory& memory, const StateOptions& options) {
  const Micros now = StateCodec::now(analyzer);
  if (now == 0) return 0;
  const Micros cutoff = now - options.max_age;
  memory.age_out(cutoff);
  return StateCodec::age_out(analyzer, cutoff);
}

std::string encode_state(const Analyzer& analyzer, const ReportMemory& memory) {
  return StateCodec::encode(analyzer, memory);
}

StateSummary decode_state(std::string_view bytes, const std::string& name, Analyzer& analyzer, ReportMemory& memory,
                          const StateOptions& options) {
  return StateCodec::decode(bytes, name, analyzer, memory, options);
}

namespace {

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw std::runtime_error("state " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

StateSummary save_state(const std::string& dir, const Analyzer& analyzer, const ReportMemory& memory) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + kStateFileName;
  const std::string tmp = path + ".tmp";
  const std::string bytes = encode_state(analyzer, memory);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) io_error("cannot create", tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = e;
      io_error("cannot write", tmp);
    }
    done += std::size_t(n);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = e;
    io_error("cannot fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) io_error("cannot rename into place", tmp);
  // The rename itself is durable only once the directory is synced.
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  StateSummary sum;
  StateCodec::summarise(analyzer, memory, sum);
  sum.bytes = bytes.size();
  return sum;
}

StateLoad load_state(const std::string& dir, Analyzer& analyzer, ReportMemory& memory, const StateOptions& options) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + kStateFileName;
  StateLoad out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) io_error("cannot open", path);
    out.message = "no state in " + dir + " yet: starting fresh";
    return out;
  }
  std::string bytes;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(std::size_t(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      errno = e;
      io_error("cannot read", path);
    }
    if (n == 0) break;
    bytes.append(buf, std::size_t(n));
  }
  ::close(fd);
  try {
    out.summary = decode_state(bytes, path, analyzer, memory, options);
    out.status = StateLoad::Status::loaded;
    const auto& s = out.summary;
    out.message = "loaded " + path + ": " + std::to_string(s.pairs) + " series, " + std::to_string(s.mgmt_pairs) +
                  " management series, " + std::to_string(s.domains) + " domains, " + std::to_string(s.names) +
                  " names, " + std::to_string(s.long_conns) + " long connections, " + std::to_string(s.reported) +
                  " reported findings";
    if (s.aged_out) out.message += "; " + std::to_string(s.aged_out) + " entries older than --state-max-age dropped";
    if (s.over_caps) out.message += "; " + std::to_string(s.over_caps) + " entries beyond the table caps dropped";
    if (s.unknown_sections) out.message += "; skipped " + std::to_string(s.unknown_sections) + " section(s) of a newer build";
  } catch (const core::InputError& e) {
    const std::string aside = path + ".bad-" + std::to_string(std::time(nullptr));
    if (::rename(path.c_str(), aside.c_str()) != 0) io_error("cannot set the bad state file aside", path);
    out.status = StateLoad::Status::set_aside;
    out.message = std::string(e.what()) + "; kept as " + aside + ", starting fresh";
  }
  return out;
}

}  // namespace sg::hunt
