// RecordPipe: records reach the downstream sink on another thread, all of them, in order, with
// their fields intact even though batches (and their strings) are reused.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "supplyguard/hunt/pipe.hpp"

using namespace sg::hunt;

namespace {

// Writes what it receives as text, one line per record, and notes the thread it ran on.
struct Recorder : RecordSink {
  std::vector<std::string> seen;
  std::thread::id thread;
  int throw_at = -1;
  void on_conn(const ConnRecord& c) override {
    thread = std::this_thread::get_id();
    if (int(seen.size()) == throw_at) throw std::runtime_error("downstream failed");
    seen.push_back("conn " + std::to_string(c.ts) + " " + std::to_string(c.orig_bytes) + " sni=" + c.server_name +
                   " fp=" + c.tls_fp + " ua=" + c.http_user_agent);
  }
  void on_dns(const DnsRecord& d) override {
    thread = std::this_thread::get_id();
    seen.push_back("dns " + std::to_string(d.ts) + " " + d.query + " answers=" + std::to_string(d.answers.size()) +
                   (d.response_only ? " response" : ""));
  }
};

ConnRecord conn(int i) {
  ConnRecord c;
  c.ts = i;
  c.orig_bytes = 1000 + i;
  // Every third record has long names, the others none: a reused slot must not keep old ones.
  if (i % 3 == 0) {
    c.server_name = "host-" + std::to_string(i) + ".a-rather-long-domain-name.example";
    c.tls_fp = "t13d1516h2_8daaf6152771_b186095e22b6";
  }
  if (i % 5 == 0) c.http_user_agent = "curl/8." + std::to_string(i);
  return c;
}

DnsRecord dns(int i) {
  DnsRecord d;
  d.ts = i;
  d.query = "q" + std::to_string(i) + ".example.org";
  d.answers.resize(std::size_t(i % 4), IpAddr{});
  d.response_only = i % 2 == 1;
  return d;
}

// The same sequence fed straight into a sink: what the pipe must reproduce.
template <class Sink>
void feed(Sink& s, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (i % 7 == 2 || i % 7 == 3)
      s.on_dns(dns(i));
    else
      s.on_conn(conn(i));
  }
}

}  // namespace

TEST(RecordPipe, DeliversEveryRecordInOrderOnAnotherThread) {
  Recorder direct;
  feed(direct, 0, 1000);
  for (const std::size_t batch : {1, 3, 64, 4096}) {
    Recorder r;
    {
      RecordPipe pipe(r, batch, 2);
      feed(pipe, 0, 1000);
      pipe.drain();
      EXPECT_EQ(r.seen, direct.seen) << "batch " << batch;
      EXPECT_NE(r.thread, std::this_thread::get_id());
      // Usable again after a drain, and the destructor delivers what is still pending.
      feed(pipe, 1000, 1010);
    }
    EXPECT_EQ(r.seen.size(), 1010u) << "batch " << batch;
  }
}

TEST(RecordPipe, DrainRethrowsWhatTheDownstreamThrew) {
  Recorder r;
  r.throw_at = 11;  // record 11 (a conn) throws, after 11 records went through
  RecordPipe pipe(r, 4, 2);
  feed(pipe, 0, 40);
  EXPECT_THROW(pipe.drain(), std::runtime_error);
  EXPECT_EQ(r.seen.size(), 11u);  // nothing after the failure reached the sink
  // Reported once; later records flow again.
  r.throw_at = -1;
  feed(pipe, 40, 45);
  EXPECT_NO_THROW(pipe.drain());
  EXPECT_EQ(r.seen.size(), 16u);
}
