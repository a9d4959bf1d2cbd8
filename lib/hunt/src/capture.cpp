#include "supplyguard/hunt/capture.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <span>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/dns.hpp"

namespace sg::hunt {

using core::InputError;

std::optional<Micros> capture_time(std::int64_t sec, std::int64_t usec) {
  constexpr std::int64_t kMaxSec = 253402300799;  // 9999-12-31T23:59:59Z
  if (sec < 0 || sec > kMaxSec || usec < 0 || usec >= 1'000'000) return std::nullopt;
  return Micros(sec) * 1'000'000 + usec;
}

void PacketProcessor::packet(int dlt, const std::uint8_t* data, std::size_t caplen, Micros ts) {
  ++stats_.packets;
  stats_.wire_bytes += caplen;
  Packet p;
  switch (decode_packet(dlt, data, caplen, p)) {
    case DecodeResult::ok: break;
    case DecodeResult::not_ip: ++stats_.not_ip; return;
    default: ++stats_.undecodable; return;
  }
  if (p.proto == 17 && (p.sport == 53 || p.dport == 53 || p.sport == 5353 || p.dport == 5353) && p.payload)
    dns(p, ts);
  flows_.add(p, ts);
}

void PacketProcessor::dns(const Packet& p, Micros ts) {
  DnsMessage m;
  m.record = std::move(dns_scratch_);
  if (parse_dns(p.payload, p.payload_caplen, m)) {
    m.record.ts = ts;
    // A query counts as a lookup; a response only contributes what the name resolved to.
    m.record.client = m.response ? p.dst : p.src;
    m.record.response_only = m.response;
    if (!m.response || !m.record.answers.empty()) sink_.on_dns(m.record);
  }
  dns_scratch_ = std::move(m.record);
}

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { if (p) pcap_close(p); }
};
using PcapPtr = std::unique_ptr<pcap_t, PcapCloser>;

std::string supported_list() { return supported_link_types(); }

std::string dlt_label(int dlt) {
  const char* n = pcap_datalink_val_to_name(dlt);
  return std::to_string(dlt) + (n ? std::string(" (") + n + ")" : std::string());
}


class ProgressTicker {
 public:
  ProgressTicker(const ProgressFn& fn, std::string source, std::uint64_t total) : fn_(fn) {
    state_.source = std::move(source);
    state_.total_bytes = total;
  }
  // Cheap check per packet; the clock is read every 64k packets.
  void tick(std::uint64_t bytes, std::uint64_t packets) {
    if (!fn_ || (packets & 0xffff) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    state_.bytes = bytes;
    state_.packets = packets;
    fn_(state_);
  }
  void done(std::uint64_t bytes, std::uint64_t packets) {
    if (!fn_) return;
    state_.bytes = bytes;
    state_.packets = packets;
    fn_(state_);
  }

 private:
  const ProgressFn& fn_;
  ReadProgress state_;
  std::chrono::steady_clock::time_point last_{};
};

void read_loop(pcap_t* p, std::FILE* f, bool pcapng, const std::string& name, std::uint64_t total,
               PacketProcessor& proc, const ProgressFn& progress) {
  const int dlt = pcap_datalink(p);
  if (!link_type_supported(dlt))
    throw InputError::at_offset(name, pcapng ? 0 : 20, "unsupported link type " + dlt_label(dlt) + "; " +
                                                         supported_list());
  // Byte offsets: classic pcap records are a 16-byte header plus caplen, so we count; pcapng
  // blocks carry options, so we ask the stream where the last good block ended.
  std::uint64_t offset = pcapng ? std::uint64_t(std::ftell(f)) : 24;
  std::uint64_t packets = 0;
  ProgressTicker ticker(progress, name, total);
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  for (;;) {
    const int rc = pcap_next_ex(p, &hdr, &data);
    if (rc == 1) {
      proc.packet(dlt, data, hdr->caplen, std::int64_t(hdr->ts.tv_sec), std::int64_t(hdr->ts.tv_usec));
      ++packets;
      if (pcapng) {
        const long pos = std::ftell(f);
        if (pos >= 0) offset = std::uint64_t(pos);
      } else {
        offset += 16 + hdr->caplen;
      }
      ticker.tick(offset, packets);
      continue;
    }
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    std::string why = pcap_geterr(p);
    if (why.empty()) why = "unreadable record";
    throw InputError::at_offset(name, offset, "packet #" + std::to_string(packets + 1) + ": " + why);
  }
  ticker.done(offset, packets);
}

inline std::uint32_t rd32(const std::uint8_t* p, bool swap) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

// Chunked reader shared by the pcap and pcapng parsers: 1 MB reads, records handed out straight
// from the chunk (cache-hot), a partial record carried over to the next one.
// The buffer holds a chunk plus the largest record, but no more than the file needs when its size
// is known (`total`, 0 if not: a pipe): it used to be a zero-filled 5 MB vector (1.3 MB for classic
// pcap) for every file, which was nearly all of the cost of opening a small capture (fuzz_capture
// ran ~33 inputs/s). It grows if the file turns out longer than `total` said.
class Chunks {
 public:
  Chunks(std::FILE* f, const std::string& name, std::size_t max_record, std::uint64_t total)
      : f_(f), name_(name), max_((1 << 20) + max_record + 16) {
    size_ = total ? std::size_t(std::clamp<std::uint64_t>(total, 64, max_)) : max_;
    buf_ = std::make_unique_for_overwrite<std::uint8_t[]>(size_);  // only what fread writes is read
  }
  // Makes at least `need` bytes available at data(); false at end of file (or beyond the largest record).
  bool fill(std::size_t need) {
    if (have_ - pos_ >= need) return true;
    if (need > max_) return false;
    if (need > size_) grow(need);
    std::memmove(buf_.get(), buf_.get() + pos_, have_ - pos_);
    have_ -= pos_;
    pos_ = 0;
    while (have_ < need) {
      std::size_t room = size_ - have_;
      if (room == 0) {  // the file is longer than its size said: take more, up to the cap
        grow(std::min(max_, size_ * 2));
        room = size_ - have_;
      }
      const std::size_t n = std::fread(buf_.get() + have_, 1, room, f_);
      if (n == 0) {
        // Where the read failed: everything before it was read (offset_ is the position of pos_ == 0).
        if (std::ferror(f_)) throw InputError::at_offset(name_, offset_ + have_, "read error");
        return false;
      }
      have_ += n;
    }
    return true;
  }
  const std::uint8_t* data() const { return buf_.get() + pos_; }
  std::size_t left() const { return have_ - pos_; }
  void skip(std::size_t n) { pos_ += n; offset_ += n; }
  std::uint64_t offset() const { return offset_; }

 private:
  void grow(std::size_t want) {
    const std::size_t size = std::min(max_, std::max(want, size_ * 2));
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(size);
    std::memcpy(bigger.get(), buf_.get() + pos_, have_ - pos_);
    have_ -= pos_;
    pos_ = 0;
    buf_ = std::move(bigger);
    size_ = size;
  }

  std::FILE* f_;
  const std::string& name_;
  std::size_t max_, size_ = 0;
  std::unique_ptr<std::uint8_t[]> buf_;
  std::size_t have_ = 0, pos_ = 0;
  std::uint64_t offset_ = 0;
};

// Classic pcap without libpcap.
void read_classic_pcap(std::FILE* f, const std::string& name, PacketProcessor& proc, const ProgressFn& progress,
                       std::uint64_t total) {
  constexpr std::size_t kMaxRecord = 262144;  // libpcap's largest snap length
  Chunks in(f, name, kMaxRecord, total);
  if (!in.fill(24))
    throw InputError::at_offset(name, in.left(), "truncated pcap file header (" + std::to_string(in.left()) + " of 24 bytes)");
  const std::uint8_t* h = in.data();
  const std::uint32_t magic = rd32(h, false);
  const bool swap = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
  const bool nano = magic == 0xA1B23C4D || magic == 0x4D3CB2A1;
  const std::uint32_t version = rd32(h + 4, swap);
  const std::uint16_t major = std::uint16_t(swap ? version >> 16 : version & 0xffff);
  if (major != 2) throw InputError::at_offset(name, 4, "unsupported pcap version " + std::to_string(major));
  const int dlt = int(rd32(h + 20, swap) & 0xffff);
  if (!link_type_supported(dlt))
    throw InputError::at_offset(name, 20, "unsupported link type " + dlt_label(dlt) + "; " + supported_list());
  in.skip(24);
  std::uint64_t packets = 0;
  ProgressTicker ticker(progress, name, total);
  for (;;) {
    const std::uint64_t offset = in.offset();
    if (!in.fill(16)) {
      if (in.left() == 0) break;  // clean end of file
      throw InputError::at_offset(name, offset, "packet #" + std::to_string(packets + 1) +
                                                    ": truncated record header (" + std::to_string(in.left()) +
                                                    " of 16 bytes)");
    }
    const std::uint8_t* r = in.data();
    const std::uint32_t sec = rd32(r, swap), frac = rd32(r + 4, swap), caplen = rd32(r + 8, swap);
    if (caplen > kMaxRecord)
      throw InputError::at_offset(name, offset, "packet #" + std::to_string(packets + 1) + ": corrupt record: capture length " +
                                                    std::to_string(caplen) + " exceeds " + std::to_string(kMaxRecord));
    if (!in.fill(16 + std::size_t(caplen)))
      throw InputError::at_offset(name, offset, "packet #" + std::to_string(packets + 1) + ": truncated record: " +
                                                    std::to_string(caplen) + " bytes announced, " +
                                                    std::to_string(in.left() - 16) + " left in the file");
    proc.packet(dlt, in.data() + 16, caplen, std::int64_t(sec), std::int64_t(nano ? frac / 1000 : frac));
    in.skip(16 + caplen);
    ticker.tick(in.offset(), ++packets);
  }
  ticker.done(in.offset(), packets);
}

// pcapng (IETF draft-ietf-opsawg-pcapng) without libpcap: each interface keeps its own link
// type, snap length and timestamp resolution (libpcap refuses files whose interfaces differ),
// sections may repeat with either byte order. Blocks other than SHB/IDB/EPB/SPB/OPB are skipped.
void read_pcapng(std::FILE* f, const std::string& name, PacketProcessor& proc, const ProgressFn& progress,
                 std::uint64_t total) {
  constexpr std::size_t kMaxBlock = 4 << 20;  // BIG TCP packets (<= 256 KB) fit with room
  Chunks in(f, name, kMaxBlock, total);
  struct Iface {
    int dlt = 0;
    std::uint32_t snaplen = 0;
    std::uint64_t units = 1'000'000;  // timestamp units per second (if_tsresol)
    std::int64_t offset_s = 0;        // if_tsoffset
    bool supported = false;
    std::uint64_t idb_offset = 0;
  };
  std::vector<Iface> ifaces;
  bool swap = false, have_section = false;
  std::uint64_t packets = 0, usable = 0;
  std::int64_t first_unsupported = -1;
  ProgressTicker ticker(progress, name, total);
  auto rd32 = [&](const std::uint8_t* p) { return hunt::rd32(p, swap); };
  auto rd16 = [&](const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return swap ? __builtin_bswap16(v) : v;
  };
  for (;;) {
    const std::uint64_t at = in.offset();
    if (!in.fill(12)) {
      if (in.left() == 0) break;
      throw InputError::at_offset(name, at, "truncated block header (" + std::to_string(in.left()) + " of 12 bytes)");
    }
    const std::uint8_t* b = in.data();
    std::uint32_t type = rd32(b);
    if (type == 0x0A0D0D0A) {  // section header: byte order from its magic
      const std::uint32_t magic = hunt::rd32(b + 8, false);
      if (magic == 0x1A2B3C4D) swap = false;
      else if (magic == 0x4D3C2B1A) swap = true;
      else throw InputError::at_offset(name, at + 8, "section header with an unknown byte-order magic");
      have_section = true;
      ifaces.clear();
    } else if (!have_section) {
      throw InputError::at_offset(name, at, "not a pcapng file (no section header block)");
    }
    const std::uint32_t len = rd32(b + 4);
    if (len < 12 || len % 4 != 0 || len > kMaxBlock)
      throw InputError::at_offset(name, at, "corrupt block length " + std::to_string(len));
    if (!in.fill(len))
      throw InputError::at_offset(name, at, "truncated block: " + std::to_string(len) + " bytes announced, " +
                                                std::to_string(in.left()) + " left in the file");
    b = in.data();
    if (rd32(b + len - 4) != len)
      throw InputError::at_offset(name, at + len - 4, "block length trailer does not match its header");
    const std::uint8_t* body = b + 8;
    const std::size_t body_len = len - 12;
    auto packet = [&](std::uint32_t id, std::uint64_t ts, const std::uint8_t* data, std::uint32_t caplen) {
      if (id >= ifaces.size())
        throw InputError::at_offset(name, at, "packet on interface " + std::to_string(id) + ", but only " +
                                                  std::to_string(ifaces.size()) + " described");
      const Iface& i = ifaces[id];
      ++packets;
      if (!i.supported) {
        proc.unsupported_link_packet();
        if (first_unsupported < 0) first_unsupported = std::int64_t(id);
        return;
      }
      ++usable;
      const unsigned __int128 whole = ts / i.units, frac = ts % i.units;
      const std::int64_t sec = whole > std::uint64_t(INT64_MAX / 2) ? -1 : std::int64_t(whole) + i.offset_s;
      const std::int64_t usec = std::int64_t(frac * 1'000'000 / i.units);
      proc.packet(i.dlt, data, caplen, sec, usec);
    };
    switch (type) {
      case 0x0A0D0D0A:
        break;
      case 1: {  // interface description
        if (body_len < 8) throw InputError::at_offset(name, at, "interface block too short");
        Iface i;
        i.dlt = rd16(body);
        i.snaplen = rd32(body + 4);
        i.supported = link_type_supported(i.dlt);
        i.idb_offset = at;
        // Options: code, length, value padded to 4.
        for (std::size_t o = 8; o + 4 <= body_len;) {
          const std::uint16_t code = rd16(body + o), olen = rd16(body + o + 2);
          if (code == 0 || o + 4 + olen > body_len) break;
          const std::uint8_t* v = body + o + 4;
          if (code == 9 && olen >= 1) {  // if_tsresol: 10^-n, or 2^-n with the top bit
            const unsigned n = v[0] & 0x7f;
            if (v[0] & 0x80) {
              if (n > 63) throw InputError::at_offset(name, at, "if_tsresol 2^-" + std::to_string(n) + " out of range");
              i.units = std::uint64_t(1) << n;
            } else {
              if (n > 19) throw InputError::at_offset(name, at, "if_tsresol 10^-" + std::to_string(n) + " out of range");
              i.units = 1;
              for (unsigned k = 0; k < n; ++k) i.units *= 10;
            }
            if (i.units == 0) i.units = 1;
          } else if (code == 14 && olen >= 8) {  // if_tsoffset, seconds
            std::uint64_t x;
            std::memcpy(&x, v, 8);
            if (swap) x = __builtin_bswap64(x);
            i.offset_s = std::int64_t(x);
            if (i.offset_s > 253402300799LL || i.offset_s < -253402300799LL) i.offset_s = 0;
          }
          o += 4 + ((olen + 3u) & ~3u);
        }
        ifaces.push_back(i);
        break;
      }
      case 6: {  // enhanced packet
        if (body_len < 20) throw InputError::at_offset(name, at, "enhanced packet block too short");
        const std::uint32_t id = rd32(body), caplen = rd32(body + 12);
        if (caplen > body_len - 20)
          throw InputError::at_offset(name, at, "packet #" + std::to_string(packets + 1) + ": capture length " +
                                                    std::to_string(caplen) + " exceeds its block");
        packet(id, std::uint64_t(rd32(body + 4)) << 32 | rd32(body + 8), body + 20, caplen);
        break;
      }
      case 3: {  // simple packet: interface 0, no timestamp (kept at the last good time)
        if (body_len < 4) throw InputError::at_offset(name, at, "simple packet block too short");
        if (ifaces.empty()) throw InputError::at_offset(name, at, "simple packet before any interface block");
        std::uint32_t caplen = std::min<std::uint32_t>(rd32(body), std::uint32_t(body_len - 4));
        if (ifaces[0].snaplen) caplen = std::min(caplen, ifaces[0].snaplen);
        const Micros last = proc.stats().latest_ts;
        packet(0, std::uint64_t((unsigned __int128)std::uint64_t(last) * ifaces[0].units / 1'000'000), body + 4, caplen);
        break;
      }
      case 2: {  // obsolete packet block
        if (body_len < 20) throw InputError::at_offset(name, at, "packet block too short");
        const std::uint32_t caplen = rd32(body + 12);
        if (caplen > body_len - 20)
          throw InputError::at_offset(name, at, "packet #" + std::to_string(packets + 1) + ": capture length exceeds its block");
        packet(rd16(body), std::uint64_t(rd32(body + 4)) << 32 | rd32(body + 8), body + 20, caplen);
        break;
      }
      default:
        break;  // name resolution, statistics, custom, decryption secrets: nothing for us
    }
    in.skip(len);
    ticker.tick(in.offset(), packets);
  }
  ticker.done(in.offset(), packets);
  if (usable == 0 && first_unsupported >= 0) {
    const Iface& i = ifaces.size() > std::size_t(first_unsupported) ? ifaces[std::size_t(first_unsupported)] : Iface{};
    throw InputError::at_offset(name, i.idb_offset, "unsupported link type " + dlt_label(i.dlt) + "; " + supported_list());
  }
}

}  // namespace

void read_capture_stream(std::FILE* f, const std::string& name, PacketProcessor& proc, const ProgressFn& progress,
                         CaptureReader reader) {
  if (!f) throw InputError::in(name, "cannot open");
  // Sniff the magic so a non-capture file gets a clear message before libpcap's terse one.
  std::uint8_t magic[4] = {0, 0, 0, 0};
  const std::size_t got = std::fread(magic, 1, 4, f);
  std::uint64_t total = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long end = std::ftell(f);
    if (end > 0) total = std::uint64_t(end);
  }
  std::rewind(f);
  proc.begin_source();
  const std::uint32_t m = std::uint32_t(magic[0]) << 24 | magic[1] << 16 | magic[2] << 8 | magic[3];
  const bool pcapng = m == 0x0A0D0D0A;
  const bool pcap = m == 0xA1B2C3D4 || m == 0xD4C3B2A1 || m == 0xA1B23C4D || m == 0x4D3CB2A1;
  if (got < 4 || (!pcap && !pcapng)) {
    std::fclose(f);
    throw InputError::at_offset(name, 0, got < 4 ? "file too short to be a capture (" + std::to_string(got) + " bytes)"
                                                 : "not a pcap or pcapng file (unknown magic number)");
  }
  if (reader == CaptureReader::automatic) {
    struct Closer { std::FILE* f; ~Closer() { std::fclose(f); } } closer{f};
    if (pcap) read_classic_pcap(f, name, proc, progress, total);
    else read_pcapng(f, name, proc, progress, total);
    return;
  }
  char err[PCAP_ERRBUF_SIZE] = {0};
  // pcap_fopen_offline takes the FILE: it is closed by pcap_close from here on.
  PcapPtr p(pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err));
  if (!p) {
    std::fclose(f);
    throw InputError::at_offset(name, 0, std::string("cannot read capture header: ") + err);
  }
  read_loop(p.get(), f, pcapng, name, total, proc, progress);
}

void read_capture_file(const std::string& path, PacketProcessor& proc, const ProgressFn& progress,
                       CaptureReader reader) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  // A big stdio buffer for libpcap, which reads record by record through it.
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  read_capture_stream(f, path, proc, progress, reader);
}

LiveCapture::LiveCapture(const std::string& iface, const std::string& bpf) : iface_(iface) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  PcapPtr p(pcap_create(iface.c_str(), err));
  if (!p) throw InputError::in(iface, std::string("cannot open interface: ") + err);
  pcap_set_snaplen(p.get(), 2048);  // headers plus DNS: all the detectors read
  // The kernel hands a block of packets over at the latest after this (TPACKET_V3's block
  // timeout): the delay between a packet and its report, not a wait the caller sits in.
  pcap_set_timeout(p.get(), 250);
  pcap_set_immediate_mode(p.get(), 0);
  pcap_set_buffer_size(p.get(), 64 << 20);
  pcap_set_tstamp_precision(p.get(), PCAP_TSTAMP_PRECISION_MICRO);
  const int rc = pcap_activate(p.get());
  if (rc < 0) throw InputError::in(iface, std::string("cannot capture: ") + pcap_geterr(p.get()));
  if (!bpf.empty()) {
    bpf_program prog{};
    if (pcap_compile(p.get(), &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
      throw InputError::in("--filter", "bad BPF filter \"" + bpf + "\": " + pcap_geterr(p.get()));
    const int set = pcap_setfilter(p.get(), &prog);
    pcap_freecode(&prog);
    if (set != 0) throw InputError::in(iface, std::string("cannot set filter: ") + pcap_geterr(p.get()));
  }
  dlt_ = pcap_datalink(p.get());
  if (!link_type_supported(dlt_))
    throw InputError::in(iface, "unsupported link type " + dlt_label(dlt_) + "; " + supported_list());
  // A blocking read on a quiet link never returned (the old `hunt -i lo --duration 7` hang:
  // libpcap retries its poll on EINTR and its timeout only runs once a packet came): read
  // non-blocking and wait on the descriptor ourselves.
  if (pcap_setnonblock(p.get(), 1, err) != 0)
    throw InputError::in(iface, std::string("cannot set non-blocking mode: ") + err);
  fd_ = pcap_get_selectable_fd(p.get());
  pcap_ = p.release();
}

LiveCapture::~LiveCapture() {
  if (pcap_) pcap_close(static_cast<pcap_t*>(pcap_));
}

std::size_t LiveCapture::poll(PacketProcessor& proc, int timeout_ms) {
  auto* p = static_cast<pcap_t*>(pcap_);
  if (fd_ >= 0) {
    pollfd pfd{fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, timeout_ms);  // EINTR (a signal) simply ends the wait
    if (r == 0) return 0;
  } else {
    ::poll(nullptr, 0, std::min(timeout_ms, 50));  // no selectable fd: short naps, then a non-blocking read
  }
  struct Ctx {
    PacketProcessor& proc;
    int dlt;
    std::uint64_t bytes = 0;
  } ctx{proc, dlt_};
  std::size_t total = 0;
  for (int round = 0; round < 64; ++round) {  // bounded: the caller gets control back regularly
    const int n = pcap_dispatch(
        p, 4096,
        [](u_char* user, const pcap_pkthdr* hdr, const u_char* data) {
          auto* c = reinterpret_cast<Ctx*>(user);
          c->proc.packet(c->dlt, data, hdr->caplen, std::int64_t(hdr->ts.tv_sec), std::int64_t(hdr->ts.tv_usec));
          c->bytes += hdr->caplen;
        },
        reinterpret_cast<u_char*>(&ctx));
    if (n == PCAP_ERROR_BREAK) break;
    if (n < 0) throw InputError::in(iface_, std::string("capture failed: ") + pcap_geterr(p));
    if (n == 0) break;
    total += std::size_t(n);
  }
  packets_ += total;
  bytes_ += ctx.bytes;
  return total;
}

LiveStats LiveCapture::stats() const {
  LiveStats s;
  pcap_stat ps{};
  if (pcap_stats(static_cast<pcap_t*>(pcap_), &ps) == 0) {
    s.received = ps.ps_recv;
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
    s.available = true;
  }
  return s;
}

void capture_live(const std::string& iface, const std::string& bpf, PacketProcessor& proc,
                  const std::atomic<bool>& stop, const ProgressFn& progress) {
  LiveCapture cap(iface, bpf);
  ProgressTicker ticker(progress, iface, 0);
  while (!stop.load(std::memory_order_relaxed)) {
    if (cap.poll(proc, 200)) ticker.tick(cap.bytes(), cap.packets());
  }
  ticker.done(cap.bytes(), cap.packets());
}

}  // namespace sg::hunt
