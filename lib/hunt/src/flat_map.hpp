#pragma once
// Private to sg_hunt: an insertion-ordered open-addressing hash map for HuntState's per-record
// tables (pairs, address names, domains).
//
// Entries live in fixed-size chunks in the order they were inserted (oldest first), so iterating
// the table -- the detectors' passes, eviction, saving a state -- walks memory in order and means
// the same on every build, unlike a node-based std::unordered_map whose order follows its bucket
// count. Chunks (not one vector) so growth never moves or copies entries and never touches more
// memory than the entries need (a doubling vector of 100-byte entries page-faulted its way
// through twice its size). The index is a power-of-two array of 64-bit slots (linear probing, at
// most half full): the hash's high 32 bits as a tag above the entry's position + 1, so a probe
// compares keys only on a tag match. A lookup is one index slot and one entry; an insert
// allocates nothing but a new chunk every kChunk entries (a node table mallocs per entry).
//
// Erasure is in batches only (erase_if): survivors keep their order, the index is rebuilt once.
// Every eviction pass and age-out already works that way. References to values are stable until
// the next erase_if (insertions never move entries).
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace sg::hunt {

template <class K, class V, class Hash>
class FlatMap {
  static constexpr std::size_t kChunkBits = 10, kChunk = std::size_t(1) << kChunkBits;

 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = std::pair<K, V>;

  template <bool Const>
  class Iter {
    using Map = std::conditional_t<Const, const FlatMap, FlatMap>;

   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = FlatMap::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;
    Iter() = default;
    Iter(Map* m, std::size_t i) : m_(m), i_(i) {}
    operator Iter<true>() const { return {m_, i_}; }
    reference operator*() const { return m_->at(i_); }
    pointer operator->() const { return &m_->at(i_); }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter t = *this;
      ++i_;
      return t;
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.i_ == b.i_; }
    std::size_t index() const { return i_; }

   private:
    Map* m_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  FlatMap() = default;
  FlatMap(FlatMap&&) noexcept = default;
  FlatMap& operator=(FlatMap&&) noexcept = default;

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  iterator begin() { return {this, 0}; }
  iterator end() { return {this, n_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, n_}; }

  // Lookups take the key or anything the hash and the key's == accept (a string_view for a
  // string key), so a caller need not build a key to look one up.
  template <class Q>
  iterator find(const Q& k) {
    const std::size_t i = locate(k, Hash{}(k));
    return {this, i == kNone ? n_ : i};
  }
  template <class Q>
  const_iterator find(const Q& k) const {
    const std::size_t i = locate(k, Hash{}(k));
    return {this, i == kNone ? n_ : i};
  }
  template <class Q>
  std::size_t count(const Q& k) const {
    return locate(k, Hash{}(k)) == kNone ? 0 : 1;
  }

  // Inserts (key, V{}) when absent: one probe sequence either way.
  template <class Q>
  std::pair<iterator, bool> try_emplace(Q&& k) {
    if ((n_ + 1) * 2 > slots_.size()) rebuild(slots_.empty() ? 16 : slots_.size() * 2);
    const std::uint64_t h = Hash{}(k);
    const std::uint64_t tag = h & kTagMask;
    std::size_t s = std::size_t(h) & mask_;
    for (;; s = (s + 1) & mask_) {
      const std::uint64_t e = slots_[s];
      if (e == 0) break;
      if ((e & kTagMask) == tag) {
        const std::size_t i = std::size_t(e & ~kTagMask) - 1;
        if (at(i).first == k) return {{this, i}, false};
      }
    }
    if ((n_ >> kChunkBits) == chunks_.size()) chunks_.push_back(std::make_unique<value_type[]>(kChunk));
    slots_[s] = tag | (n_ + 1);
    hashes_.push_back(h);
    value_type& v = at(n_);
    v.first = K(std::forward<Q>(k));
    return {{this, n_++}, true};
  }
  template <class Q, class W>
  std::pair<iterator, bool> emplace(Q&& k, W&& v) {
    auto r = try_emplace(std::forward<Q>(k));
    if (r.second) r.first->second = std::forward<W>(v);
    return r;
  }
  V& operator[](const K& k) { return try_emplace(k).first->second; }

  // Removes every entry for which pred(entry, position) holds while keep_going() still does
  // (asked before each entry); survivors keep their order. Returns how many were removed.
  template <class Pred, class Go>
  std::size_t erase_if(Pred&& pred, Go&& keep_going) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      if (keep_going() && pred(at(i), i)) continue;
      if (out != i) {
        at(out) = std::move(at(i));
        hashes_[out] = hashes_[i];
      }
      ++out;
    }
    const std::size_t removed = n_ - out;
    if (removed) {
      for (std::size_t i = out; i < n_; ++i) at(i) = value_type{};  // give the memory back
      n_ = out;
      hashes_.resize(out);
      chunks_.resize((n_ + kChunk - 1) >> kChunkBits);
      rebuild(slots_.size());
    }
    return removed;
  }
  template <class Pred>
  std::size_t erase_if(Pred&& pred) {
    return erase_if([&](const value_type& v, std::size_t) { return pred(v); }, [] { return true; });
  }

 private:
  static constexpr std::uint64_t kTagMask = 0xFFFFFFFF00000000ULL;
  static constexpr std::size_t kNone = ~std::size_t(0);

  value_type& at(std::size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const value_type& at(std::size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }

  template <class Q>
  std::size_t locate(const Q& k, std::uint64_t h) const {
    if (slots_.empty()) return kNone;
    const std::uint64_t tag = h & kTagMask;
    for (std::size_t s = std::size_t(h) & mask_;; s = (s + 1) & mask_) {
      const std::uint64_t e = slots_[s];
      if (e == 0) return kNone;
      if ((e & kTagMask) == tag) {
        const std::size_t i = std::size_t(e & ~kTagMask) - 1;
        if (at(i).first == k) return i;
      }
    }
  }

  void rebuild(std::size_t n) {
    if (n < 16) n = 16;
    while (n < n_ * 2 + 2) n *= 2;
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (std::size_t i = 0; i < n_; ++i) {
      const std::uint64_t h = hashes_[i];
      std::size_t s = std::size_t(h) & mask_;
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = (h & kTagMask) | (i + 1);
    }
  }

  std::vector<std::unique_ptr<value_type[]>> chunks_;
  std::size_t n_ = 0;
  std::vector<std::uint64_t> hashes_;  // per entry, for rebuilding the index without rehashing
  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
};

// A set of 64-bit hashes (already well mixed: state_hash values), in insertion order: up to 16
// found by a scan of one cache line pair, beyond that through a position index. No node per
// element (DomainStats::unique took a malloc per distinct subdomain).
class FlatSet64 {
 public:
  std::size_t size() const { return vals_.size(); }
  std::vector<std::uint64_t>::const_iterator begin() const { return vals_.begin(); }
  std::vector<std::uint64_t>::const_iterator end() const { return vals_.end(); }
  // True when v was not there yet.
  bool insert(std::uint64_t v) {
    if (slots_.empty()) {
      for (const std::uint64_t x : vals_)
        if (x == v) return false;
      vals_.push_back(v);
      if (vals_.size() == kScan) rebuild(4 * kScan);
      return true;
    }
    std::size_t s = std::size_t(v) & mask_;
    for (; slots_[s] != 0; s = (s + 1) & mask_)
      if (vals_[slots_[s] - 1] == v) return false;
    vals_.push_back(v);
    slots_[s] = std::uint32_t(vals_.size());
    if (vals_.size() * 2 > slots_.size()) rebuild(slots_.size() * 2);
    return true;
  }
  std::size_t memory_bytes() const { return vals_.capacity() * 8 + slots_.capacity() * 4; }

 private:
  static constexpr std::size_t kScan = 16;
  void rebuild(std::size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (std::size_t i = 0; i < vals_.size(); ++i) {
      std::size_t s = std::size_t(vals_[i]) & mask_;
      while (slots_[s] != 0) s = (s + 1) & mask_;
      slots_[s] = std::uint32_t(i + 1);
    }
  }
  std::vector<std::uint64_t> vals_;
  std::vector<std::uint32_t> slots_;  // position + 1, 0 = free
  std::size_t mask_ = 0;
};

}  // namespace sg::hunt
