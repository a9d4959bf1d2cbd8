#include "supplyguard/hunt/zeek.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "supplyguard/core/error.hpp"

namespace sg::hunt {
namespace {

using core::InputError;

struct Bad {
  std::string what;
};

bool is_unset(std::string_view v) { return v.empty() || v == "-" || v == "(empty)"; }

// The fields we read, resolved to column numbers once per #fields header (a string lookup per
// field per line was most of the TSV cost on a 10 M-line day).
enum Field : int { kTs, kOrigH, kRespH, kOrigP, kRespP, kProto, kDuration, kOrigBytes, kRespBytes, kOrigPkts,
                   kRespPkts, kLocalOrig, kLocalResp, kQuery, kQtype, kQtypeName, kAnswers, kFieldCount };
constexpr const char* kFieldNames[kFieldCount] = {
    "ts", "id.orig_h", "id.resp_h", "id.orig_p", "id.resp_p", "proto", "duration", "orig_bytes", "resp_bytes",
    "orig_pkts", "resp_pkts", "local_orig", "local_resp", "query", "qtype", "qtype_name", "answers"};

// "1700000000.123456" -> microseconds, without going through double.
Micros parse_ts(std::string_view v, const char* field) {
  // Zeek's JSON writer can be set to ISO 8601 times (JSON::TS_ISO8601).
  if (v.find('T') != std::string_view::npos) {
    if (auto t = core::parse_iso8601(v)) return *t;
    throw Bad{std::string("field ") + field + ": not a Zeek timestamp: '" + std::string(v) + "'"};
  }
  const auto dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  std::int64_t s = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), s);
  if (ec != std::errc() || p != whole.data() + whole.size() || whole.empty())
    throw Bad{std::string("field ") + field + ": not a Zeek timestamp: '" + std::string(v) + "'"};
  std::int64_t us = 0;
  if (dot != std::string_view::npos) {
    const std::string_view frac = v.substr(dot + 1);
    int digits = 0;
    for (char c : frac) {
      if (c < '0' || c > '9') throw Bad{std::string("field ") + field + ": not a Zeek timestamp: '" + std::string(v) + "'"};
      if (digits < 6) { us = us * 10 + (c - '0'); ++digits; }
    }
    while (digits++ < 6) us *= 10;
  }
  if (s < 0 || s > 32503680000) throw Bad{std::string("field ") + field + ": timestamp out of range"};
  return s * 1'000'000 + us;
}

std::uint64_t parse_uint(std::string_view v, const char* field, std::uint64_t max) {
  std::uint64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x > max)
    throw Bad{std::string("field ") + field + ": not a number in range: '" + std::string(v) + "'"};
  return x;
}

IpAddr parse_addr(std::string_view v, const char* field) {
  auto a = parse_ip(v);
  if (!a) throw Bad{std::string("field ") + field + ": not an IP address: '" + std::string(v) + "'"};
  return *a;
}

// One log line's values, by field name, whatever the form.
class Row {
 public:
  virtual ~Row() = default;
  // nullopt when absent or unset
  virtual std::optional<std::string_view> get(Field field) const = 0;
  virtual std::vector<std::string> list(Field field) const = 0;

  std::string_view need(Field field) const {
    auto v = get(field);
    if (!v) throw Bad{std::string("missing required field ") + kFieldNames[field]};
    return *v;
  }
  // Zeek bools: T/F in TSV, true/false in JSON; -1 when absent.
  std::int8_t flag(Field field) const {
    auto v = get(field);
    if (!v) return -1;
    if (*v == "T" || *v == "true") return 1;
    if (*v == "F" || *v == "false") return 0;
    throw Bad{std::string("field ") + kFieldNames[field] + ": not a bool: '" + std::string(*v) + "'"};
  }
};

void deliver(const Row& r, ZeekLog kind, RecordSink& sink) {
  if (kind == ZeekLog::conn || kind == ZeekLog::open_conn) {
    ConnRecord c;
    c.ts = parse_ts(r.need(kTs), "ts");
    c.orig = parse_addr(r.need(kOrigH), "id.orig_h");
    c.resp = parse_addr(r.need(kRespH), "id.resp_h");
    c.orig_port = std::uint16_t(parse_uint(r.need(kOrigP), "id.orig_p", 65535));
    c.resp_port = std::uint16_t(parse_uint(r.need(kRespP), "id.resp_p", 65535));
    const auto proto = r.need(kProto);
    c.proto = parse_proto(proto).value_or(0);
    if (auto d = r.get(kDuration)) {
      const Micros us = parse_ts(*d, "duration");
      c.duration = us;
    }
    if (auto v = r.get(kOrigBytes)) c.orig_bytes = parse_uint(*v, "orig_bytes", UINT64_MAX);
    if (auto v = r.get(kRespBytes)) c.resp_bytes = parse_uint(*v, "resp_bytes", UINT64_MAX);
    if (auto v = r.get(kOrigPkts)) c.orig_pkts = std::uint32_t(parse_uint(*v, "orig_pkts", UINT32_MAX));
    if (auto v = r.get(kRespPkts)) c.resp_pkts = std::uint32_t(parse_uint(*v, "resp_pkts", UINT32_MAX));
    c.local_orig = r.flag(kLocalOrig);
    c.local_resp = r.flag(kLocalResp);
    c.still_open = kind == ZeekLog::open_conn;
    sink.on_conn(c);
    return;
  }
  DnsRecord d;
  d.ts = parse_ts(r.need(kTs), "ts");
  d.client = parse_addr(r.need(kOrigH), "id.orig_h");
  auto q = r.get(kQuery);
  if (!q) return;  // a DNS exchange without a question: nothing to learn from it
  d.query.assign(q->begin(), q->end());
  std::transform(d.query.begin(), d.query.end(), d.query.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  if (!d.query.empty() && d.query.back() == '.') d.query.pop_back();
  if (auto t = r.get(kQtype)) d.qtype = std::uint16_t(parse_uint(*t, "qtype", 65535));
  else if (auto n = r.get(kQtypeName))
    d.qtype = *n == "TXT" ? 16 : *n == "NULL" ? 10 : *n == "AAAA" ? 28 : *n == "A" ? 1 : *n == "CNAME" ? 5 : *n == "MX" ? 15 : 0;
  for (const auto& a : r.list(kAnswers))
    if (auto ip = parse_ip(a)) d.answers.push_back(*ip);  // answers also hold CNAME targets: skip those
  sink.on_dns(d);
}

class TsvRow final : public Row {
 public:
  int column[kFieldCount];  // column of each field, -1 when the log does not have it
  std::vector<std::string_view> cols;
  std::string set_sep = ",", empty = "(empty)", unset = "-";
  std::optional<std::string_view> get(Field field) const override {
    const int c = column[field];
    if (c < 0 || std::size_t(c) >= cols.size()) return std::nullopt;
    const std::string_view v = cols[std::size_t(c)];
    if (v == unset || v == empty || v.empty()) return std::nullopt;
    return v;
  }
  std::vector<std::string> list(Field field) const override {
    std::vector<std::string> out;
    auto v = get(field);
    if (!v) return out;
    std::size_t start = 0;
    while (start <= v->size()) {
      std::size_t end = v->find(set_sep, start);
      if (end == std::string_view::npos) end = v->size();
      out.emplace_back(v->substr(start, end - start));
      start = end + set_sep.size();
    }
    return out;
  }
};

class JsonRow final : public Row {
 public:
  const nlohmann::json* obj = nullptr;
  mutable std::vector<std::string> keep;  // string forms of numbers, alive while the row is
  std::optional<std::string_view> get(Field field) const override {
    auto it = obj->find(kFieldNames[field]);
    if (it == obj->end() || it->is_null()) return std::nullopt;
    if (it->is_boolean()) return std::string_view(it->get<bool>() ? "T" : "F");
    if (it->is_string()) {
      const auto& s = it->get_ref<const std::string&>();
      if (is_unset(s)) return std::nullopt;
      return std::string_view(s);
    }
    if (it->is_number_unsigned() || it->is_number_integer()) {
      keep.push_back(it->dump());
      return std::string_view(keep.back());
    }
    if (it->is_number_float()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6f", it->get<double>());
      keep.emplace_back(buf);
      return std::string_view(keep.back());
    }
    throw Bad{std::string("field ") + kFieldNames[field] + ": unexpected JSON type"};
  }
  std::vector<std::string> list(Field field) const override {
    std::vector<std::string> out;
    auto it = obj->find(kFieldNames[field]);
    if (it == obj->end() || !it->is_array()) return out;
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  }
};

void split(std::string_view line, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, end - start));
    start = end + sep.size();
  }
}

std::string unescape_separator(std::string_view v) {
  // "#separator \x09": Zeek writes the separator as a \xNN escape.
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() + 0 && v[i + 1] == 'x') {
      unsigned x = 0;
      auto [p, ec] = std::from_chars(v.data() + i + 2, v.data() + i + 4, x, 16);
      if (ec == std::errc() && p == v.data() + i + 4) {
        out.push_back(char(x));
        i += 3;
        continue;
      }
    }
    out.push_back(v[i]);
  }
  return out;
}


// Inflates a gzip stream (Zeek's rotated .log.gz) from another istream, through zlib.
class GzipBuf final : public std::streambuf {
 public:
  explicit GzipBuf(std::istream& src) : src_(src) {
    zs_.zalloc = Z_NULL;
    zs_.zfree = Z_NULL;
    zs_.opaque = Z_NULL;
    ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;  // gzip wrapper only
  }
  ~GzipBuf() override { inflateEnd(&zs_); }
  bool failed() const { return failed_; }
  const std::string& why() const { return why_; }
  std::uint64_t compressed_offset() const { return zs_.total_in; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    while (ok_ && !done_) {
      if (zs_.avail_in == 0) {
        src_.read(in_, sizeof in_);
        const std::streamsize n = src_.gcount();
        if (n <= 0) {
          fail("truncated gzip stream (ends inside compressed data)");
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_);
        zs_.avail_in = uInt(n);
      }
      zs_.next_out = reinterpret_cast<Bytef*>(out_);
      zs_.avail_out = sizeof out_;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Concatenated gzip members (cat a.gz b.gz) are one stream to gunzip: continue.
        if (zs_.avail_in == 0 && src_.peek() == std::char_traits<char>::eof()) done_ = true;
        else if (inflateReset(&zs_) != Z_OK) fail("gzip: cannot restart for the next member");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        fail(std::string("corrupt gzip data: ") + (zs_.msg ? zs_.msg : "inflate failed"));
      }
      const std::size_t got = sizeof out_ - zs_.avail_out;
      if (got) {
        setg(out_, out_, out_ + got);
        return traits_type::to_int_type(*gptr());
      }
    }
    return traits_type::eof();
  }

 private:
  void fail(std::string why) {
    failed_ = true;
    ok_ = false;
    why_ = std::move(why) + " at compressed byte " + std::to_string(zs_.total_in);
  }
  std::istream& src_;
  z_stream zs_{};
  bool ok_ = false, done_ = false, failed_ = false;
  std::string why_;
  char in_[1 << 16];
  char out_[1 << 16];
};

std::uint64_t read_zeek_lines(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink,
                              const GzipBuf* gz) {
  std::string line;
  std::uint64_t lineno = 0, records = 0;
  std::string sep = "\t";
  bool have_fields = false;
  std::size_t nfields = 0;
  TsvRow tsv;
  std::fill(std::begin(tsv.column), std::end(tsv.column), -1);
  std::vector<std::string_view> parts;
  try {
    while (std::getline(in, line)) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      // Logs cut and pasted or re-written by tools sometimes start a header or JSON line with
      // blanks (or a UTF-8 BOM); data lines are left alone (a first empty field is a tab).
      std::size_t lead = 0;
      while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t' || line[lead] == '\xef' ||
                                    line[lead] == '\xbb' || line[lead] == '\xbf'))
        ++lead;
      if (lead < line.size() && line[lead] != '#' && line[lead] != '{') lead = 0;
      if (lead == line.size() || line.empty()) continue;
      if (line[lead] == '{') {
        nlohmann::json j = nlohmann::json::parse(line.begin() + std::ptrdiff_t(lead), line.end(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw Bad{"malformed JSON line"};
        JsonRow row;
        row.obj = &j;
        deliver(row, kind, sink);
        ++records;
        continue;
      }
      if (line[lead] == '#') {
        const std::string_view l = std::string_view(line).substr(lead);
        if (l.rfind("#separator", 0) == 0) {
          const std::string v = unescape_separator(l.substr(std::min<std::size_t>(l.size(), 11)));
          if (v.empty()) throw Bad{"empty #separator"};
          sep = v;
        } else {
          split(l, sep, parts);
          if (parts[0] == "#fields") {
            std::fill(std::begin(tsv.column), std::end(tsv.column), -1);
            for (std::size_t i = 1; i < parts.size(); ++i)
              for (int f = 0; f < kFieldCount; ++f)
                if (parts[i] == kFieldNames[f]) tsv.column[f] = int(i - 1);
            nfields = parts.size() - 1;
            have_fields = true;
          } else if (parts[0] == "#set_separator" && parts.size() > 1) {
            tsv.set_sep = unescape_separator(parts[1]);
            if (tsv.set_sep.empty()) tsv.set_sep = ",";
          } else if (parts[0] == "#empty_field" && parts.size() > 1) {
            tsv.empty = std::string(parts[1]);
          } else if (parts[0] == "#unset_field" && parts.size() > 1) {
            tsv.unset = std::string(parts[1]);
          }
        }
        continue;
      }
      if (!have_fields) throw Bad{"data line before the #fields header (not a Zeek TSV or JSON log?)"};
      split(line, sep, tsv.cols);
      if (tsv.cols.size() != nfields)
        throw Bad{"expected " + std::to_string(nfields) + " fields, found " + std::to_string(tsv.cols.size())};
      deliver(tsv, kind, sink);
      ++records;
    }
  } catch (const Bad& b) {
    // A line cut short by damaged compression: the damage is the error to report.
    if (gz && gz->failed()) throw InputError::at_line(source, lineno, gz->why());
    throw InputError::at_line(source, lineno, b.what);
  }
  if (gz && gz->failed()) throw InputError::at_line(source, lineno + 1, gz->why());
  if (in.bad()) throw InputError::at_line(source, lineno, "read error");
  return records;
}

}  // namespace

std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink) {
  // gzip (1f 8b) is recognised by its magic, whatever the file is called.
  const int c0 = in.peek();
  if (c0 == 0x1f) {
    in.get();
    const int c1 = in.peek();
    in.unget();
    if (c1 == 0x8b) {
      GzipBuf buf(in);
      std::istream z(&buf);
      return read_zeek_lines(z, kind, source, sink, &buf);
    }
  }
  return read_zeek_lines(in, kind, source, sink, nullptr);
}

std::optional<ZeekLog> zeek_log_kind(const std::string& file_name) {
  // Zeek names logs <path>.log, rotated <path>.<from>-<to>.log, maybe .gz; RITA test data also
  // has conn_json.log. The stem is what comes before the first '.'.
  if (file_name.find(".log") == std::string::npos) return std::nullopt;
  const std::string stem = file_name.substr(0, file_name.find('.'));
  auto is = [&](const std::string& base) {
    return stem == base || (stem.size() > base.size() && stem.compare(0, base.size() + 1, base + "_") == 0);
  };
  if (is("conn")) return ZeekLog::conn;
  if (is("dns")) return ZeekLog::dns;
  if (is("open_conn")) return ZeekLog::open_conn;
  return std::nullopt;
}

std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink, std::vector<std::string>* skipped) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<ZeekLog, fs::path>> files;
  if (fs::is_directory(path, ec)) {
    // Day subdirectories (2024-04-20/conn.00:00:00-01:00:00.log.gz) as Zeek's archive keeps them.
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it.depth() > 3) it.disable_recursion_pending();
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      if (auto k = zeek_log_kind(name)) files.emplace_back(*k, it->path());
      else if (skipped && name.find(".log") != std::string::npos) skipped->push_back(it->path().string());
    }
    if (ec) throw InputError::in(path, "cannot list directory: " + ec.message());
    if (files.empty())
      throw InputError::in(path, "no conn*.log, open_conn*.log or dns*.log (plain or .gz) in this directory tree");
  } else if (fs::exists(path, ec)) {
    auto k = zeek_log_kind(fs::path(path).filename().string());
    if (!k) throw InputError::in(path, "cannot tell the Zeek log type: name it conn*.log, open_conn*.log or dns*.log");
    files.emplace_back(*k, path);
  } else {
    throw InputError::in(path, "no such file or directory");
  }
  // dns first so destination names are known; then conn in path order (day directories and
  // rotation times sort chronologically); open_conn last, so a connection that did close is
  // already known.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return int(a.first == ZeekLog::dns ? 0 : a.first == ZeekLog::conn ? 1 : 2) <
                                   int(b.first == ZeekLog::dns ? 0 : b.first == ZeekLog::conn ? 1 : 2);
    return a.second < b.second;
  });
  if (skipped) std::sort(skipped->begin(), skipped->end());
  std::uint64_t n = 0;
  for (const auto& [kind, p] : files) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw InputError::in(p.string(), "cannot open");
    n += read_zeek_log(in, kind, p.string(), sink);
  }
  return n;
}

}  // namespace sg::hunt
