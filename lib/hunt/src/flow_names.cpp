// FlowNamer: the first client bytes of a TCP flow -> names for its ConnRecord (see
// flow_names.hpp for what is read and the bounds).
#include "bytes.hpp"
#include "flow_names.hpp"

#include <algorithm>

#include "names.hpp"
#include "supplyguard/hunt/dns.hpp"

namespace sg::hunt {
namespace {


bool http_method_start(std::uint8_t c) { return c >= 'A' && c <= 'Z'; }

std::string printable(const std::string& v) {
  std::string s;
  for (char c : v.substr(0, 64)) s.push_back(static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f ? '?' : c);
  return s;
}

}  // namespace

void FlowNamer::error(std::uint64_t& counter, const std::string& why) {
  ++counter;
  stats_.last_error = why;
}

FlowNamer::Feed FlowNamer::feed(Side& s, const Packet& p, const std::uint8_t*& data, std::size_t& len) {
  if (!s.started) {
    s.started = true;
    s.next_seq = p.tcp_seq;
  }
  data = p.payload;
  // Captured bytes beyond the IP length are link-layer padding (a bare ACK padded to Ethernet's
  // 60-byte minimum), not stream bytes.
  len = std::min<std::size_t>(p.payload_caplen, p.payload_len);
  const auto diff = std::int32_t(p.tcp_seq - s.next_seq);  // serial-number arithmetic: wraps
  if (diff > 0) return Feed::gap;
  if (diff < 0) {
    const std::size_t skip = std::size_t(-std::int64_t(diff));
    if (skip >= len) return Feed::duplicate;
    data += skip;
    len -= skip;
  }
  s.next_seq += std::uint32_t(len);
  return Feed::ok;
}

bool FlowNamer::keep(Side& s, const std::uint8_t* data, std::size_t len) {
  if (s.buf.size() + len > cfg_.name_buffer_bytes) {
    ++stats_.gave_up;
    return false;
  }
  if (buffered_ + len > cfg_.name_buffer_total) {
    ++stats_.flows_untracked;
    return false;
  }
  s.buf.insert(s.buf.end(), data, data + len);
  buffered_ += len;
  return true;
}

void FlowNamer::release(Side& s) {
  buffered_ -= s.buf.size();
  std::vector<std::uint8_t>().swap(s.buf);  // give the memory back, not just the size
}

bool FlowNamer::read_tls(Entry& e, const std::uint8_t* data, std::size_t len, bool last) {
  ClientHello h;
  std::string why;
  switch (parse_client_hello(data, len, h, &why)) {
    case ParseStatus::ok:
      e.server_name = std::move(h.sni);
      e.tls_fp = ja4_fingerprint(h);
      if (!h.alpn.empty()) e.alpn = printable(h.alpn[0]);
      ++stats_.tls_hellos;
      if (e.side[0].segments > 1) ++stats_.tls_split;
      return true;
    case ParseStatus::need_more:
      if (last) ++stats_.gave_up;
      return last;
    case ParseStatus::not_this:
      return true;
    case ParseStatus::error:
      error(stats_.tls_errors, "TLS ClientHello: " + why);
      return true;
  }
  return true;
}

bool FlowNamer::read_http(Entry& e, const std::uint8_t* data, std::size_t len, bool last) {
  HttpRequest r;
  std::string why;
  switch (parse_http_request(data, len, r, last, &why)) {
    case ParseStatus::ok:
      e.server_name = http_host_name(r.host);
      e.user_agent = std::move(r.user_agent);
      ++stats_.http_requests;
      if (!r.complete) ++stats_.gave_up;  // named from the lines we had
      return true;
    case ParseStatus::need_more:
      return false;
    case ParseStatus::not_this:
      return true;
    case ParseStatus::error:
      if (why.empty()) ++stats_.gave_up;  // the request line never ended within the budget
      else error(stats_.http_errors, "HTTP request: " + why);
      return true;
  }
  return true;
}

void FlowNamer::read_dns(Entry& e, Side& s, Micros ts) {
  std::size_t at = 0;
  while (s.buf.size() - at >= 2) {
    const std::size_t m = be16(s.buf.data() + at);
    if (m < 12) {
      error(stats_.dns_tcp_errors, "DNS over TCP: message length " + std::to_string(m) + " (under a 12-byte header)");
      s.done = true;
      break;
    }
    if (2 + m > cfg_.name_buffer_bytes) {  // a zone transfer or a huge answer: beyond our budget
      ++stats_.gave_up;
      s.done = true;
      break;
    }
    if (s.buf.size() - at < 2 + m) break;
    DnsMessage msg;
    if (parse_dns(s.buf.data() + at + 2, m, msg)) {
      ++stats_.dns_tcp_messages;
      msg.record.ts = ts;
      msg.record.client = e.orig;  // the side that opened the connection asked
      msg.record.response_only = msg.response;
      if (!msg.response || !msg.record.answers.empty()) sink_.on_dns(msg.record);
    } else {
      error(stats_.dns_tcp_errors, "DNS over TCP: message of " + std::to_string(m) + " bytes is not a DNS message we can read");
    }
    at += 2 + m;
    if (++e.dns_messages >= 32) {  // enough names from one connection: stop reading it
      e.side[0].done = e.side[1].done = true;
      break;
    }
  }
  if (s.done) {
    release(s);
    return;
  }
  s.buf.erase(s.buf.begin(), s.buf.begin() + std::ptrdiff_t(at));
  buffered_ -= at;
}

std::uint8_t FlowNamer::inspect(std::uint32_t id, std::uint8_t state, const Packet& p, int dir, const IpAddr& orig,
                                std::uint16_t resp_port, std::uint16_t orig_port, Micros ts) {
  if (state == kFresh) {
    Kind kind;
    if (resp_port == 53 || orig_port == 53) {
      kind = Kind::dns;
    } else if (dir != 0) {
      return kFresh;  // the server spoke first: wait for the client's first bytes
    } else if (p.payload[0] == 0x16 || (p.payload[0] & 0x80)) {  // TLS record, or an SSL 2.0-style hello
      kind = Kind::tls;
    } else if (http_method_start(p.payload[0])) {
      kind = Kind::http;
    } else {
      return kNone;  // one look per flow: anything else is left alone
    }
    if (entries_.size() >= cfg_.max_named_flows) {
      ++stats_.flows_untracked;
      return kNone;
    }
    Entry& e = entries_[id];
    e = Entry{};
    e.kind = kind;
    e.orig = orig;
  }
  const auto it = entries_.find(id);
  if (it == entries_.end()) return kNone;
  Entry& e = it->second;
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;

  if (e.kind == Kind::dns) {
    Side& s = e.side[dir];
    if (!s.done) {
      const Feed f = feed(s, p, data, len);
      if (f == Feed::gap) {
        ++stats_.out_of_order;
        s.done = true;
        release(s);
      } else if (f == Feed::ok) {
        if (keep(s, data, len)) read_dns(e, s, ts);
        else {
          s.done = true;
          release(s);
        }
      }
    }
    if (e.side[0].done && e.side[1].done) {
      release(e.side[0]);
      release(e.side[1]);
      entries_.erase(it);
      return kNone;
    }
    return kReading;
  }

  if (dir != 0) return state;  // TLS and HTTP: the client's bytes only
  Side& s = e.side[0];
  const Feed f = feed(s, p, data, len);
  if (f == Feed::duplicate) return kReading;
  bool done = true;
  if (f == Feed::gap) {
    ++stats_.out_of_order;
  } else {
    ++s.segments;
    // Snap-length cut: nothing after this segment's captured bytes can follow in order.
    const bool last = s.segments >= cfg_.name_segments || p.payload_caplen < p.payload_len;
    auto read = [&](const std::uint8_t* d, std::size_t n) {
      return e.kind == Kind::tls ? read_tls(e, d, n, last) : read_http(e, d, n, last);
    };
    if (s.buf.empty()) {
      done = read(data, len);  // the common case: the whole message in one segment, read in place
      if (!done && !keep(s, data, len)) done = true;
    } else {
      done = !keep(s, data, len) || read(s.buf.data(), s.buf.size());
    }
  }
  if (!done) return kReading;
  release(s);
  e.named = true;
  if (e.server_name.empty() && e.tls_fp.empty() && e.user_agent.empty()) {
    entries_.erase(it);
    return kNone;
  }
  return kNamed;
}

void FlowNamer::attach(std::uint32_t id, ConnRecord& c) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.kind != Kind::dns && !e.named && e.side[0].started) ++stats_.gave_up;  // ended inside the message
  c.server_name = std::move(e.server_name);
  c.tls_fp = std::move(e.tls_fp);
  c.alpn = std::move(e.alpn);
  c.http_user_agent = std::move(e.user_agent);
  release(e.side[0]);
  release(e.side[1]);
  entries_.erase(it);
}

}  // namespace sg::hunt
