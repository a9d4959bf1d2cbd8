#pragma once
// RecordPipe: a RecordSink that hands records to another sink on a second thread, in order.
//
// Reading a capture splits into two halves of about equal cost: decoding packets and assembling
// flows (the producer), and keeping the detectors' state per record (the Analyzer). On a
// flow-dense capture each half is a few hundred ns per record of cache misses; run one after the
// other they cost twice the wall clock of either. The pipe lets them overlap on two cores.
//
// Records are copied into batches that are reused (a ConnRecord's strings and a DnsRecord's
// answers keep their capacity), so the steady state allocates nothing. At most `depth` batches
// of `batch` records exist: memory is bounded and a fast producer waits for the consumer, it
// never drops a record.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

class RecordPipe : public RecordSink {
 public:
  explicit RecordPipe(RecordSink& downstream, std::size_t batch = 4096, std::size_t depth = 4);
  ~RecordPipe() override;  // drains what is pending (errors swallowed: call drain() to see them)
  RecordPipe(const RecordPipe&) = delete;
  RecordPipe& operator=(const RecordPipe&) = delete;

  void on_conn(const ConnRecord& c) override;
  void on_dns(const DnsRecord& d) override;

  // Returns once every record handed over so far has reached the downstream sink, so it can be
  // read from this thread. Rethrows (once) what the downstream sink threw; records after that
  // throw were discarded.
  void drain();

 private:
  struct Batch {
    std::vector<ConnRecord> conns;
    std::vector<DnsRecord> dns;
    std::vector<bool> is_dns;  // arrival order of the two kinds
    std::size_t n_conn = 0, n_dns = 0;
    std::size_t size() const { return is_dns.size(); }
    void clear() {
      n_conn = n_dns = 0;
      is_dns.clear();
    }
  };
  std::unique_ptr<Batch> take_free();  // blocks while all batches are in flight
  void hand_over();                    // the current batch goes to the consumer
  void consume();                      // the consumer thread

  RecordSink& down_;
  const std::size_t batch_size_;
  std::unique_ptr<Batch> current_;  // producer side only

  std::mutex mu_;
  std::condition_variable to_consumer_, to_producer_;
  std::deque<std::unique_ptr<Batch>> full_, free_;
  std::size_t in_flight_ = 0;  // batches queued or being consumed
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace sg::hunt
