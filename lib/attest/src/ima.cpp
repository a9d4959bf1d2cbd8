// IMA runtime measurement lists: ASCII and binary forms parsed to one entry type, with the
// template data kept (or rebuilt, for the ASCII form) so every bank's template hash is recomputed.
#include "supplyguard/attest/ima.hpp"

#include <algorithm>
#include <cstring>

#include "supplyguard/core/error.hpp"

namespace sg::attest {
namespace {

constexpr std::size_t kSha1 = 20;
constexpr std::size_t kImaNameField = 256;  // "ima" template: name hashed padded to 255+1 bytes
constexpr std::uint32_t kMaxTemplateName = 255;
constexpr std::uint32_t kMaxTemplateData = 1u << 20;  // an ima-sig/ima-buf entry is far smaller

void put_u32le(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

void put_field(Bytes& out, std::span<const std::uint8_t> field) {
  put_u32le(out, std::uint32_t(field.size()));
  out.insert(out.end(), field.begin(), field.end());
}

Bytes legacy_template_data(std::span<const std::uint8_t> digest, std::string_view path) {
  Bytes out(digest.begin(), digest.end());
  Bytes name(kImaNameField, 0);
  std::memcpy(name.data(), path.data(), std::min(path.size(), kImaNameField - 1));
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

// "d-ng" field: "<alg>:\0" then the digest.
Bytes digest_ng(const std::string& alg, std::span<const std::uint8_t> digest) {
  Bytes out(alg.begin(), alg.end());
  out.push_back(':');
  out.push_back(0);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Bytes name_ng(std::string_view path) {
  Bytes out(path.begin(), path.end());
  out.push_back(0);
  return out;
}

bool is_ng_template(const std::string& t) { return t == "ima-ng" || t == "ima-sig" || t == "ima-buf" || t == "ima-modsig"; }

// Splits the ng template data into its length-prefixed fields; false when they do not tile it.
bool split_fields(std::span<const std::uint8_t> data, std::vector<std::span<const std::uint8_t>>& fields) {
  std::size_t p = 0;
  while (p < data.size()) {
    if (data.size() - p < 4) return false;
    std::uint32_t n = std::uint32_t(data[p]) | std::uint32_t(data[p + 1]) << 8 | std::uint32_t(data[p + 2]) << 16 |
                      std::uint32_t(data[p + 3]) << 24;
    p += 4;
    if (n > data.size() - p) return false;
    fields.push_back(data.subspan(p, n));
    p += n;
  }
  return true;
}

class ImaReader {
 public:
  ImaReader(std::span<const std::uint8_t> d, const std::string& src) : d_(d), src_(src) {}
  std::size_t pos() const { return p_; }
  std::size_t left() const { return d_.size() - p_; }
  [[noreturn]] void fail(std::size_t at, const std::string& what) const { throw core::InputError::at_offset(src_, at, what); }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = std::uint32_t(d_[p_]) | std::uint32_t(d_[p_ + 1]) << 8 | std::uint32_t(d_[p_ + 2]) << 16 |
                      std::uint32_t(d_[p_ + 3]) << 24;
    p_ += 4;
    return v;
  }
  std::span<const std::uint8_t> take(std::size_t n, const char* what) {
    need(n, what);
    auto s = d_.subspan(p_, n);
    p_ += n;
    return s;
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (left() < n)
      fail(p_, std::string("truncated entry: ") + what + " needs " + std::to_string(n) + " bytes, " +
                   std::to_string(left()) + " left");
  }
  std::span<const std::uint8_t> d_;
  const std::string& src_;
  std::size_t p_ = 0;
};

// Fills file_alg/file_digest/path/signature from an ng template's fields (as the kernel wrote them).
void decode_ng_fields(ImaEntry& e, const ImaReader& r, std::size_t at) {
  std::vector<std::span<const std::uint8_t>> f;
  if (!split_fields(e.template_data, f)) r.fail(at, "template data of \"" + e.template_name + "\" is not a list of length-prefixed fields");
  if (f.size() < 2) r.fail(at, "template \"" + e.template_name + "\" has " + std::to_string(f.size()) + " fields, expected at least 2");
  const auto d = f[0];
  const auto colon = std::find(d.begin(), d.end(), std::uint8_t(':'));
  if (colon == d.end() || colon + 1 == d.end() || colon[1] != 0) {
    e.file_alg = d.size() == kSha1 ? "sha1" : "";  // very old d-ng without the prefix (sha1/md5)
    e.file_digest.assign(d.begin(), d.end());
  } else {
    e.file_alg.assign(d.begin(), colon);
    e.file_digest.assign(colon + 2, d.end());
  }
  auto n = f[1];
  while (!n.empty() && n.back() == 0) n = n.first(n.size() - 1);
  e.path.assign(n.begin(), n.end());
  if (e.template_name == "ima-sig" && f.size() > 2) e.signature.assign(f[2].begin(), f[2].end());
}

}  // namespace

bool ImaEntry::violation() const {
  return std::all_of(template_hash.begin(), template_hash.end(), [](std::uint8_t b) { return b == 0; });
}

ImaList parse_ima_binary(std::span<const std::uint8_t> data, const std::string& source) {
  ImaList list;
  list.binary = true;
  ImaReader r(data, source);
  while (r.left() > 0) {
    const std::size_t at = r.pos();
    if (r.left() < 4 + kSha1 + 4) {  // not even an entry header: count it, do not guess
      list.trailing_bytes = r.left();
      break;
    }
    if (list.entries.size() >= kImaMaxEntries)
      r.fail(at, "more than " + std::to_string(kImaMaxEntries) + " entries (refused, not truncated)");
    ImaEntry e;
    e.offset = at;
    e.pcr = r.u32("PCR index");
    if (e.pcr > 63) r.fail(at, "PCR index " + std::to_string(e.pcr) + " (not a PCR; big-endian lists are not supported)");
    auto h = r.take(kSha1, "template hash");
    e.template_hash.assign(h.begin(), h.end());
    const std::uint32_t name_len = r.u32("template name length");
    if (name_len == 0 || name_len > kMaxTemplateName)
      r.fail(at + 24, "template name length " + std::to_string(name_len) + " (1-255 expected)");
    auto name = r.take(name_len, "template name");
    // Template names (and custom formats such as "d-ng|n-ng") are printable ASCII; anything else
    // is a damaged list, and the name is written into snapshots as text.
    if (!std::all_of(name.begin(), name.end(), [](std::uint8_t c) { return c > 0x20 && c < 0x7f; }))
      r.fail(at + 28, "template name is not printable ASCII");
    e.template_name.assign(name.begin(), name.end());
    if (e.template_name == "ima") {
      auto digest = r.take(kSha1, "file digest");
      const std::uint32_t plen = r.u32("file name length");
      if (plen > kImaNameField - 1) r.fail(r.pos() - 4, "file name length " + std::to_string(plen) + " (at most 255 in template ima)");
      auto path = r.take(plen, "file name");
      e.file_alg = "sha1";
      e.file_digest.assign(digest.begin(), digest.end());
      e.path.assign(path.begin(), path.end());
      e.template_data = legacy_template_data(digest, e.path);
    } else {
      const std::uint32_t len = r.u32("template data length");
      if (len > kMaxTemplateData) r.fail(r.pos() - 4, "template data length " + std::to_string(len) + " (more than 1 MiB)");
      auto td = r.take(len, "template data");
      e.template_data.assign(td.begin(), td.end());
      if (is_ng_template(e.template_name)) decode_ng_fields(e, r, at);
    }
    list.entries.push_back(std::move(e));
  }
  return list;
}

ImaList parse_ima_ascii(std::string_view text, const std::string& source) {
  ImaList list;
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    const std::size_t at = pos;
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto fail = [&](const std::string& what) -> void {
      throw core::InputError::at_offset(source, at, "line " + std::to_string(line_no) + ": " + what);
    };
    if (list.entries.size() >= kImaMaxEntries)
      fail("more than " + std::to_string(kImaMaxEntries) + " entries (refused, not truncated)");
    // PCR, template hash, template name, then the template's fields; the path may hold spaces.
    std::vector<std::string_view> tok;
    std::size_t p = 0;
    while (tok.size() < 4 && p < line.size()) {
      std::size_t q = line.find(' ', p);
      if (q == std::string_view::npos) q = line.size();
      tok.push_back(line.substr(p, q - p));
      p = q + 1;
    }
    std::string_view rest = p < line.size() ? line.substr(p) : std::string_view{};
    if (tok.size() < 4 || rest.empty()) fail("expected \"PCR template-hash template-name digest path\"");
    ImaEntry e;
    e.offset = at;
    unsigned pcr = 0;
    if (tok[0].empty() || tok[0].size() > 2 || !std::all_of(tok[0].begin(), tok[0].end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail("PCR \"" + std::string(tok[0]) + "\" is not a number");
    for (char c : tok[0]) pcr = pcr * 10 + unsigned(c - '0');
    if (pcr > 63) fail("PCR " + std::to_string(pcr) + " out of range");
    e.pcr = pcr;
    auto th = from_hex(tok[1]);
    if (!th || th->size() != kSha1) fail("template hash \"" + std::string(tok[1]) + "\" is not 40 hex digits");
    e.template_hash = std::move(*th);
    e.template_name = std::string(tok[2]);
    const std::string_view dfield = tok[3];
    if (e.template_name == "ima") {
      auto d = from_hex(dfield);
      if (!d || d->size() != kSha1) fail("file digest of template ima is not 40 hex digits");
      e.file_alg = "sha1";
      e.file_digest = std::move(*d);
      e.path = std::string(rest);
      if (e.path.size() > kImaNameField - 1) fail("file name longer than 255 bytes in template ima");
      e.template_data = legacy_template_data(e.file_digest, e.path);
    } else if (is_ng_template(e.template_name)) {
      const auto colon = dfield.find(':');
      if (colon == std::string_view::npos || colon == 0) fail("file digest \"" + std::string(dfield) + "\" is not alg:hex");
      auto d = from_hex(dfield.substr(colon + 1));
      if (!d || d->empty()) fail("file digest \"" + std::string(dfield) + "\" is not alg:hex");
      e.file_alg = std::string(dfield.substr(0, colon));
      e.file_digest = std::move(*d);
      // ima-sig / ima-buf / ima-modsig put one more hex field after the path (ima-sig may omit it).
      std::string_view path = rest, extra;
      if (e.template_name != "ima-ng") {
        const auto sp = rest.rfind(' ');
        if (sp != std::string_view::npos && from_hex(rest.substr(sp + 1))) {
          path = rest.substr(0, sp);
          extra = rest.substr(sp + 1);
        } else if (e.template_name != "ima-sig") {
          fail("template " + e.template_name + " needs a hex field after the name");
        }
      }
      e.path = std::string(path);
      Bytes x = extra.empty() ? Bytes{} : *from_hex(extra);
      if (e.template_name == "ima-sig") e.signature = x;
      put_field(e.template_data, digest_ng(e.file_alg, e.file_digest));
      put_field(e.template_data, name_ng(e.path));
      if (e.template_name == "ima-sig" || e.template_name == "ima-buf") put_field(e.template_data, x);
      if (e.template_name == "ima-modsig") fail("template ima-modsig cannot be rebuilt from the ASCII list (use the binary list)");
      if (e.path.size() > 4096 || e.template_data.size() > kMaxTemplateData)
        fail("entry larger than the kernel writes (path over 4096 bytes or template data over 1 MiB)");
    } else {
      fail("template \"" + e.template_name + "\" cannot be rebuilt from the ASCII list (use the binary list)");
    }
    list.entries.push_back(std::move(e));
  }
  return list;
}

ImaList parse_ima_list(std::span<const std::uint8_t> data, const std::string& source) {
  if (data.size() >= 4 && data[0] < 64 && data[1] == 0 && data[2] == 0 && data[3] == 0) return parse_ima_binary(data, source);
  return parse_ima_ascii(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), source);
}

std::optional<Bytes> ima_template_hash(const ImaEntry& e, std::uint16_t alg, bool padded_sha1) {
  const auto size = alg_size(alg);
  if (!size || !hash(alg, {})) return std::nullopt;
  if (e.violation()) return Bytes(*size, 0xff);  // the kernel's rule: a violation extends all ones
  if (padded_sha1 && alg != kAlgSha1) {
    Bytes h = *hash(kAlgSha1, e.template_data);
    h.resize(*size, 0);
    return h;
  }
  return hash(alg, e.template_data);
}

std::optional<ImaReplay> replay_ima(const ImaList& list, std::uint16_t alg, bool padded_sha1, std::optional<std::size_t> count) {
  const auto size = alg_size(alg);
  if (!size || !hash(alg, {})) return std::nullopt;
  ImaReplay r;
  r.pcr.assign(*size, 0);
  const std::size_t n = std::min(list.entries.size(), count.value_or(list.entries.size()));
  Bytes cat;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = list.entries[i];
    if (e.pcr != kImaPcr) continue;
    if (!e.violation() && *hash(kAlgSha1, e.template_data) != e.template_hash) r.bad_template_hashes.push_back(i);
    cat = r.pcr;
    const Bytes th = *ima_template_hash(e, alg, padded_sha1);
    cat.insert(cat.end(), th.begin(), th.end());
    r.pcr = *hash(alg, cat);
    ++r.entries;
  }
  return r;
}

std::optional<ImaMatch> match_ima_prefix(const ImaList& list, std::uint16_t alg, std::span<const std::uint8_t> quoted) {
  const auto size = alg_size(alg);
  if (!size || !hash(alg, {}) || quoted.size() != *size) return std::nullopt;
  const Bytes want(quoted.begin(), quoted.end());
  for (bool padded : {false, true}) {
    if (padded && alg == kAlgSha1) break;
    Bytes pcr(*size, 0), cat;
    if (pcr == want) return ImaMatch{0, padded};
    for (std::size_t i = 0; i < list.entries.size(); ++i) {
      const auto& e = list.entries[i];
      if (e.pcr != kImaPcr) continue;
      // An entry whose logged hash does not cover its data is a forged entry: no prefix through it.
      if (!e.violation() && *hash(kAlgSha1, e.template_data) != e.template_hash) break;
      cat = pcr;
      const Bytes th = *ima_template_hash(e, alg, padded);
      cat.insert(cat.end(), th.begin(), th.end());
      pcr = *hash(alg, cat);
      if (pcr == want) return ImaMatch{i + 1, padded};
    }
  }
  return std::nullopt;
}

}  // namespace sg::attest

namespace sg::attest {

ImaEntry ima_entry_from_parts(std::uint32_t pcr, const Bytes& template_hash, const std::string& template_name,
                              const Bytes& template_data, const std::string& source) {
  // Re-encode as one binary-list entry and parse it: one decoder for both paths.
  Bytes b;
  b.reserve(64 + template_name.size() + template_data.size());  // also quiets a GCC 12 -Warray-bounds false positive
  put_u32le(b, pcr);
  if (template_hash.size() != kSha1) throw core::InputError::in(source, "template hash is not 20 bytes");
  b.insert(b.end(), template_hash.begin(), template_hash.end());
  put_u32le(b, std::uint32_t(template_name.size()));
  b.insert(b.end(), template_name.begin(), template_name.end());
  if (template_name == "ima") {
    if (template_data.size() != kSha1 + kImaNameField) throw core::InputError::in(source, "template ima data is not 276 bytes");
    b.insert(b.end(), template_data.begin(), template_data.begin() + kSha1);
    const auto name = std::span<const std::uint8_t>(template_data).subspan(kSha1);
    const std::size_t n = std::size_t(std::find(name.begin(), name.end(), std::uint8_t(0)) - name.begin());
    if (n == kImaNameField) throw core::InputError::in(source, "template ima name is not NUL-terminated");
    put_u32le(b, std::uint32_t(n));
    b.insert(b.end(), name.begin(), name.begin() + n);
  } else {
    put_u32le(b, std::uint32_t(template_data.size()));
    b.insert(b.end(), template_data.begin(), template_data.end());
  }
  auto list = parse_ima_binary(b, source);
  if (list.entries.size() != 1 || list.trailing_bytes) throw core::InputError::in(source, "IMA entry does not decode as one entry");
  auto e = std::move(list.entries.front());
  e.offset = 0;
  return e;
}

}  // namespace sg::attest

namespace sg::attest {

ImaEntry make_ima_ng_entry(const std::string& path, std::uint16_t file_alg, const Bytes& file_digest) {
  ImaEntry e;
  e.template_name = "ima-ng";
  e.file_alg = alg_name(file_alg);
  e.file_digest = file_digest;
  e.path = path;
  put_field(e.template_data, digest_ng(e.file_alg, file_digest));
  put_field(e.template_data, name_ng(path));
  e.template_hash = *hash(kAlgSha1, e.template_data);
  return e;
}

std::string ima_to_ascii(const ImaList& list) {
  std::string out;
  for (const auto& e : list.entries) {
    out += std::to_string(e.pcr) + " " + to_hex(e.template_hash) + " " + e.template_name + " ";
    out += e.template_name == "ima" ? to_hex(e.file_digest) : e.file_alg + ":" + to_hex(e.file_digest);
    out += " " + e.path;
    if (e.template_name == "ima-sig" && !e.signature.empty()) out += " " + to_hex(e.signature);
    out += "\n";
  }
  return out;
}

Bytes ima_to_binary(const ImaList& list) {
  Bytes b;
  for (const auto& e : list.entries) {
    put_u32le(b, e.pcr);
    b.insert(b.end(), e.template_hash.begin(), e.template_hash.end());
    put_u32le(b, std::uint32_t(e.template_name.size()));
    b.insert(b.end(), e.template_name.begin(), e.template_name.end());
    if (e.template_name == "ima") {
      b.insert(b.end(), e.file_digest.begin(), e.file_digest.end());
      put_u32le(b, std::uint32_t(e.path.size()));
      b.insert(b.end(), e.path.begin(), e.path.end());
    } else {
      put_u32le(b, std::uint32_t(e.template_data.size()));
      b.insert(b.end(), e.template_data.begin(), e.template_data.end());
    }
  }
  return b;
}

}  // namespace sg::attest
