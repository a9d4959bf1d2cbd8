#pragma once
// Capture writer for the scenario generator: classic pcap or pcapng, any of our link types,
// optional 802.1Q/QinQ tags. Buffers in large blocks so multi-GB captures write at disk speed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "supplyguard/core/time.hpp"
#include "supplyguard/hunt/decode.hpp"

namespace sg::hunt {

class PcapWriter {
 public:
  PcapWriter(std::FILE* out, bool pcapng, int linktype, std::uint16_t vlan, bool qinq)
      : out_(out), ng_(pcapng), dlt_(linktype), vlan_(vlan), qinq_(qinq) {
    // The link table (decode.hpp) frames packets; pseudo types (PPPoE, MPLS over Ethernet) have
    // negative ids and are written as Ethernet.
    for (const auto& l : link_layers())
      if (l.dlt == linktype) layer_ = &l;
    if (!layer_ || !layer_->frame) throw std::runtime_error("the generator cannot write link type " + std::to_string(linktype));
    if (dlt_ < 0) dlt_ = 1;
    if (vlan_ && layer_->dlt != 1) throw std::runtime_error("VLAN tags need the en10mb link type");
    buf_.reserve(kFlushAt + 70000);
    if (!ng_) {
      put32(0xA1B2C3D4);
      put16(2);
      put16(4);
      put32(0);
      put32(0);
      put32(65535);
      put32(std::uint32_t(dlt_));
    } else {
      put32(0x0A0D0D0A);  // section header block
      put32(28);
      put32(0x1A2B3C4D);
      put16(1);
      put16(0);
      put32(0xffffffff);
      put32(0xffffffff);
      put32(28);
      put32(1);  // interface description block
      put32(20);
      put16(std::uint16_t(dlt_));
      put16(0);
      put32(65535);
      put32(20);
    }
  }
  ~PcapWriter() { try { flush(); } catch (...) {} }

  // `l3` is an IPv4 or IPv6 packet; the link header is added here.
  void write(core::Micros ts, const std::uint8_t* l3, std::size_t len, bool v6) {
    std::uint8_t link[64];
    std::size_t ll = 0;
    if (layer_->dlt == 1 && vlan_) {
      const std::size_t eth = layer_->frame(link, v6);  // MACs + ethertype; tags go before the type
      const std::uint8_t type[2] = {link[12], link[13]};
      ll = 12;
      if (qinq_) ll = tag(link, ll, 0x88A8, std::uint16_t(vlan_ + 100));
      ll = tag(link, ll, 0x8100, vlan_);
      link[ll++] = type[0];
      link[ll++] = type[1];
      (void)eth;
    } else {
      ll = layer_->frame(link, v6);
    }
    const std::uint32_t caplen = std::uint32_t(ll + len);
    const std::uint64_t usec = std::uint64_t(ts);
    if (!ng_) {
      put32(std::uint32_t(usec / 1000000));
      put32(std::uint32_t(usec % 1000000));
      put32(caplen);
      put32(caplen);
    } else {
      const std::uint32_t padded = (caplen + 3) & ~3u;
      put32(6);
      put32(32 + padded);
      put32(0);
      put32(std::uint32_t(usec >> 32));
      put32(std::uint32_t(usec));
      put32(caplen);
      put32(caplen);
    }
    append(link, ll);
    append(l3, len);
    if (ng_) {
      static const std::uint8_t zero[4] = {0, 0, 0, 0};
      append(zero, ((caplen + 3) & ~3u) - caplen);
      put32(32 + ((caplen + 3) & ~3u));
    }
    bytes_ += caplen;
    ++packets_;
    if (buf_.size() >= kFlushAt) flush();
  }

  void flush() {
    if (buf_.empty()) return;
    if (std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size()) throw std::runtime_error("write failed");
    buf_.clear();
  }
  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t kFlushAt = 8 << 20;
  static std::size_t tag(std::uint8_t* p, std::size_t at, std::uint16_t tpid, std::uint16_t id) {
    p[at] = std::uint8_t(tpid >> 8);
    p[at + 1] = std::uint8_t(tpid);
    p[at + 2] = std::uint8_t((id >> 8) & 0x0f);
    p[at + 3] = std::uint8_t(id);
    return at + 4;
  }
  void put16(std::uint16_t v) { append(&v, 2); }  // native order: readers detect it from the magic
  void put32(std::uint32_t v) { append(&v, 4); }
  void append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }

  std::FILE* out_;
  bool ng_;
  int dlt_;
  const LinkLayer* layer_ = nullptr;
  std::uint16_t vlan_;
  bool qinq_;
  std::vector<std::uint8_t> buf_;
  std::uint64_t packets_ = 0, bytes_ = 0;
};

}  // namespace sg::hunt
