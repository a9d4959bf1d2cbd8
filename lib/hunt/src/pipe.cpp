// RecordPipe: see supplyguard/hunt/pipe.hpp.
#include "supplyguard/hunt/pipe.hpp"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <utility>

namespace sg::hunt {

RecordPipe::RecordPipe(RecordSink& downstream, std::size_t batch, std::size_t depth)
    : down_(downstream), batch_size_(std::max<std::size_t>(batch, 1)) {
  depth = std::max<std::size_t>(depth, 2);
  for (std::size_t i = 0; i < depth; ++i) {
    auto b = std::make_unique<Batch>();
    b->is_dns.reserve(batch_size_);
    free_.push_back(std::move(b));
  }
  current_ = std::move(free_.front());
  free_.pop_front();
  // Asynchronous signals (Ctrl-C, SIGTERM of a sensor) stay with the reading thread, whose waits
  // they are meant to end: the worker starts with them blocked.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  worker_ = std::thread([this] { consume(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

RecordPipe::~RecordPipe() {
  try {
    drain();
  } catch (...) {
  }
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  to_consumer_.notify_all();
  worker_.join();
}

namespace {
// Assigning over an element kept from an earlier round reuses its strings' buffers.
template <class Record>
void put(std::vector<Record>& v, std::size_t& n, const Record& r) {
  if (n < v.size())
    v[n] = r;
  else
    v.push_back(r);
  ++n;
}
}  // namespace

void RecordPipe::on_conn(const ConnRecord& c) {
  put(current_->conns, current_->n_conn, c);
  current_->is_dns.push_back(false);
  if (current_->size() >= batch_size_) hand_over();
}

void RecordPipe::on_dns(const DnsRecord& d) {
  put(current_->dns, current_->n_dns, d);
  current_->is_dns.push_back(true);
  if (current_->size() >= batch_size_) hand_over();
}

std::unique_ptr<RecordPipe::Batch> RecordPipe::take_free() {
  std::unique_lock lk(mu_);
  to_producer_.wait(lk, [&] { return !free_.empty(); });
  auto b = std::move(free_.front());
  free_.pop_front();
  return b;
}

void RecordPipe::hand_over() {
  {
    std::lock_guard lk(mu_);
    full_.push_back(std::move(current_));
    ++in_flight_;
  }
  to_consumer_.notify_one();
  current_ = take_free();
}

void RecordPipe::drain() {
  if (current_->size() > 0) hand_over();
  std::unique_lock lk(mu_);
  to_producer_.wait(lk, [&] { return in_flight_ == 0; });
  if (error_) {
    auto e = std::exchange(error_, nullptr);
    std::rethrow_exception(e);
  }
}

void RecordPipe::consume() {
  for (;;) {
    std::unique_ptr<Batch> b;
    bool failed;
    {
      std::unique_lock lk(mu_);
      to_consumer_.wait(lk, [&] { return stop_ || !full_.empty(); });
      if (full_.empty()) return;  // stop_ and nothing left
      b = std::move(full_.front());
      full_.pop_front();
      failed = error_ != nullptr;
    }
    // After a throw the rest is discarded (drain() reports it), as a direct call would have
    // stopped the reader at that record.
    if (!failed) {
      try {
        std::size_t ci = 0, di = 0;
        for (const bool dns : b->is_dns) {
          if (dns)
            down_.on_dns(b->dns[di++]);
          else
            down_.on_conn(b->conns[ci++]);
        }
      } catch (...) {
        std::lock_guard lk(mu_);
        error_ = std::current_exception();
      }
    }
    b->clear();
    {
      std::lock_guard lk(mu_);
      free_.push_back(std::move(b));
      --in_flight_;
    }
    to_producer_.notify_all();
  }
}

}  // namespace sg::hunt
