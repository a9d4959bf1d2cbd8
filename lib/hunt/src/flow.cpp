#include "supplyguard/hunt/flow.hpp"

#include <algorithm>
#include <cstring>

#include "flow_names.hpp"

namespace sg::hunt {
namespace {

inline std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

inline std::uint64_t flow_hash(const IpAddr& a, const IpAddr& b, std::uint16_t pa, std::uint16_t pb,
                               std::uint8_t proto) {
  std::uint64_t h = mix(a.hi() ^ (b.hi() * 31) ^ (std::uint64_t(proto) << 56));
  h = mix(h ^ a.lo() ^ (b.lo() * 0x9E3779B97F4A7C15ULL) ^ (std::uint64_t(pa) << 16 | pb));
  return h;
}

// Index entry: low 32 bits of the hash (tag and home slot: the index never exceeds 2^29 slots)
// above the slab id.
inline std::uint64_t entry(std::uint64_t h, std::uint32_t id) { return h << 32 | id; }
inline std::uint64_t home(std::uint64_t e) { return e >> 32; }

}  // namespace

FlowTable::FlowTable(FlowConfig cfg, RecordSink& sink) : cfg_(cfg), sink_(sink) {
  if (cfg_.max_flows < 8) cfg_.max_flows = 8;
  std::size_t cap = 16;
  while (cap < cfg_.max_flows * 2) cap <<= 1;
  max_index_ = cap;
  index_.assign(std::min<std::size_t>(cap, 1 << 12), kFreeSlot);
  mask_ = index_.size() - 1;
  slab_.reserve(cfg_.max_flows);
  hashes_.reserve(cfg_.max_flows);
  free_.reserve(cfg_.max_flows);
  live_.reserve(cfg_.max_flows);
  scratch_.reserve(cfg_.max_flows);
  if (cfg_.names) namer_ = std::make_unique<FlowNamer>(cfg_, sink_);
}

FlowTable::~FlowTable() = default;

const PayloadStats& FlowTable::payload_stats() const {
  static const PayloadStats kNone;
  return namer_ ? namer_->stats() : kNone;
}

Micros FlowTable::idle_limit(const Flow& f) const {
  if (f.closed) return cfg_.closed_linger;
  if (f.proto == 6) return cfg_.tcp_idle;
  if (f.proto == 17) return cfg_.udp_idle;
  return cfg_.other_idle;
}

void FlowTable::emit(const Flow& f) {
  ConnRecord c;
  c.ts = f.first;
  c.duration = f.last - f.first;
  c.orig = f.orig_is_a ? f.a : f.b;
  c.resp = f.orig_is_a ? f.b : f.a;
  c.orig_port = f.orig_is_a ? f.pa : f.pb;
  c.resp_port = f.orig_is_a ? f.pb : f.pa;
  c.proto = f.proto;
  c.orig_bytes = f.bytes[0];
  c.resp_bytes = f.bytes[1];
  c.orig_pkts = f.pkts[0];
  c.resp_pkts = f.pkts[1];
  if (f.naming == FlowNamer::kReading || f.naming == FlowNamer::kNamed)
    namer_->attach(std::uint32_t(&f - slab_.data()), c);
  ++stats_.flows;
  sink_.on_conn(c);
}

void FlowTable::grow_index() {
  std::vector<std::uint64_t> old(index_.size() * 2, kFreeSlot);
  old.swap(index_);
  mask_ = index_.size() - 1;
  for (const std::uint64_t e : old) {
    if (e == kFreeSlot) continue;
    std::uint64_t i = home(e) & mask_;
    while (index_[i] != kFreeSlot) i = (i + 1) & mask_;
    index_[i] = e;
  }
}

// Backward-shift deletion (Knuth 6.4, algorithm R): later entries of the probe run move up into
// the hole unless their home slot lies cyclically in (hole, entry], so no tombstones remain.
void FlowTable::unindex(std::uint32_t id) {
  std::uint64_t i = hashes_[id] & mask_;
  while (std::uint32_t(index_[i]) != id) i = (i + 1) & mask_;
  for (std::uint64_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
    const std::uint64_t e = index_[j];
    if (e == kFreeSlot) break;
    const std::uint64_t h = home(e) & mask_;
    const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      index_[i] = e;
      i = j;
    }
  }
  index_[i] = kFreeSlot;
}

void FlowTable::sweep(Micros now, bool force) {
  std::size_t keep = 0;
  for (std::uint32_t id : live_) {
    Flow& f = slab_[id];
    if (now - f.last > idle_limit(f)) {
      emit(f);
      f.in_use = false;
      free_.push_back(id);
      unindex(id);
    } else {
      live_[keep++] = id;
    }
  }
  live_.resize(keep);
  if (force && free_.empty() && slab_.size() >= cfg_.max_flows) {
    // Still full after the idle sweep: end the oldest eighth early so memory stays fixed.
    scratch_.clear();
    for (std::uint32_t id : live_) scratch_.emplace_back(slab_[id].last, id);
    const std::size_t n = std::max<std::size_t>(1, scratch_.size() / 8);
    std::nth_element(scratch_.begin(), scratch_.begin() + std::ptrdiff_t(n - 1), scratch_.end());
    for (std::size_t i = 0; i < n; ++i) {
      Flow& f = slab_[scratch_[i].second];
      emit(f);
      f.in_use = false;
      free_.push_back(scratch_[i].second);
      unindex(scratch_[i].second);
    }
    stats_.forced_evictions += n;
    keep = 0;
    for (std::uint32_t id : live_)
      if (slab_[id].in_use) live_[keep++] = id;
    live_.resize(keep);
  }
}

std::uint32_t FlowTable::allocate() {
  if (free_.empty()) {
    if (slab_.size() < cfg_.max_flows) {
      slab_.emplace_back();
      hashes_.push_back(0);
      return std::uint32_t(slab_.size() - 1);
    }
    return kEmpty;
  }
  const std::uint32_t id = free_.back();
  free_.pop_back();
  return id;
}

std::uint32_t FlowTable::find_or_insert(const IpAddr& a, const IpAddr& b, std::uint16_t pa, std::uint16_t pb,
                                        std::uint8_t proto, std::uint64_t h, bool& created) {
  created = false;
  const std::uint64_t tag = entry(h, 0);
  std::uint64_t i = h & mask_;
  for (;;) {
    const std::uint64_t e = index_[i];
    if (e == kFreeSlot) break;
    if ((e & ~std::uint64_t(0xffffffff)) == tag) {
      const auto id = std::uint32_t(e);
      const Flow& f = slab_[id];
      if (hashes_[id] == h && f.pa == pa && f.pb == pb && f.proto == proto && f.a == a && f.b == b) return id;
    }
    i = (i + 1) & mask_;
  }
  const std::uint32_t id = allocate();
  if (id == kEmpty) return kEmpty;
  if ((live_.size() + 1) * 2 > index_.size() && index_.size() < max_index_) {
    grow_index();  // at most half full: probe runs stay short
    i = h & mask_;
    while (index_[i] != kFreeSlot) i = (i + 1) & mask_;
  }
  index_[i] = tag | id;
  hashes_[id] = h;
  live_.push_back(id);
  Flow& f = slab_[id];
  f = Flow{};
  f.a = a;
  f.b = b;
  f.pa = pa;
  f.pb = pb;
  f.proto = proto;
  f.in_use = true;
  created = true;
  stats_.max_live = std::max<std::uint64_t>(stats_.max_live, live_.size());
  return id;
}

void FlowTable::add(const Packet& p, Micros ts) {
  if (!swept_once_) {
    next_sweep_ = ts + cfg_.sweep_every;
    swept_once_ = true;
  } else if (ts >= next_sweep_) {
    sweep(ts, false);
    next_sweep_ = ts + cfg_.sweep_every;
  }
  // Canonical order so both directions land on one entry with one probe sequence.
  const bool src_is_a = p.src < p.dst || (p.src == p.dst && p.sport <= p.dport);
  const IpAddr& a = src_is_a ? p.src : p.dst;
  const IpAddr& b = src_is_a ? p.dst : p.src;
  const std::uint16_t pa = src_is_a ? p.sport : p.dport;
  const std::uint16_t pb = src_is_a ? p.dport : p.sport;
  const std::uint64_t h = flow_hash(a, b, pa, pb, p.proto);
  bool created = false;
  std::uint32_t id = find_or_insert(a, b, pa, pb, p.proto, h, created);
  if (id == kEmpty) {
    sweep(ts, true);
    id = find_or_insert(a, b, pa, pb, p.proto, h, created);
    if (id == kEmpty) return;  // unreachable: a forced sweep always frees at least one slot
  }
  Flow* f = &slab_[id];
  const bool syn_only = p.proto == 6 && (p.tcp_flags & (kSyn | kAck)) == kSyn;
  if (!created && f->closed && syn_only) {
    // A new connection reusing a finished one's 5-tuple: close the old record, start afresh.
    emit(*f);
    const std::uint64_t keep_h = hashes_[id];
    *f = Flow{};
    f->a = a; f->b = b; f->pa = pa; f->pb = pb; f->proto = p.proto; f->in_use = true;
    hashes_[id] = keep_h;
    created = true;
  }
  if (created) {
    f->first = ts;
    // Originator: the sender, unless this is a SYN-ACK (we missed the SYN) — then the receiver.
    const bool synack = p.proto == 6 && (p.tcp_flags & (kSyn | kAck)) == (kSyn | kAck);
    f->orig_is_a = synack ? !src_is_a : src_is_a;
  }
  if (ts > f->last) f->last = ts;
  if (ts < f->first) f->first = ts;
  const int dir = (src_is_a == f->orig_is_a) ? 0 : 1;
  f->bytes[dir] += p.payload_len;
  ++f->pkts[dir];
  if (p.proto == 6) {
    // Names from the first bytes (TLS ClientHello, HTTP request, DNS over TCP): flow_names.hpp.
    if (namer_ && p.payload_len && p.payload_caplen && f->naming < FlowNamer::kNamed)
      f->naming = namer_->inspect(id, f->naming, p, dir, f->orig_is_a ? f->a : f->b, f->orig_is_a ? f->pb : f->pa,
                                  f->orig_is_a ? f->pa : f->pb, ts);
    if (p.tcp_flags & kRst) f->closed = true;
    if (p.tcp_flags & kFin) f->fin_mask |= std::uint8_t(1 << dir);
    if (f->fin_mask == 3) f->closed = true;
  }
}

void FlowTable::flush() {
  for (std::uint32_t id : live_) {
    emit(slab_[id]);
    slab_[id].in_use = false;
    free_.push_back(id);
  }
  live_.clear();
  std::fill(index_.begin(), index_.end(), kFreeSlot);
}

}  // namespace sg::hunt
