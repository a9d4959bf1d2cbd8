#include "supplyguard/hunt/zeek.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "names.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::hunt {

struct ZeekNames::Impl {
  struct Entry {
    std::string server_name, tls_fp, user_agent;
    std::uint32_t window = 0;
  };
  std::unordered_map<std::string, Entry> by_uid;
  std::size_t max_entries;
  std::uint32_t window = 0;
};

ZeekNames::ZeekNames(std::size_t max_entries) : impl_(std::make_unique<Impl>()) { impl_->max_entries = max_entries; }
ZeekNames::~ZeekNames() = default;
std::size_t ZeekNames::size() const { return impl_->by_uid.size(); }
void ZeekNames::next_window() {
  // A connection's ssl.log line is written at the handshake, its conn.log line when it ends:
  // an hour's rotation can fall between them, so entries live through one more window.
  ++impl_->window;
  for (auto it = impl_->by_uid.begin(); it != impl_->by_uid.end();) {
    if (it->second.window + 1 < impl_->window) {
      it = impl_->by_uid.erase(it);
      ++unmatched;
    } else {
      ++it;
    }
  }
}

struct ZeekNamesAccess {
  static ZeekNames::Impl& impl(ZeekNames& n) { return *n.impl_; }
};

namespace {

using core::InputError;

struct Bad {
  std::string what;
};

bool is_unset(std::string_view v) { return v.empty() || v == "-" || v == "(empty)"; }

// The fields we read, resolved to column numbers once per #fields header (a string lookup per
// field per line was most of the TSV cost on a 10 M-line day).
enum Field : int { kTs, kOrigH, kRespH, kOrigP, kRespP, kProto, kDuration, kOrigBytes, kRespBytes, kOrigPkts,
                   kRespPkts, kLocalOrig, kLocalResp, kQuery, kQtype, kQtypeName, kAnswers, kUid, kServerName, kJa3,
                   kJa4, kHost, kUserAgent, kFieldCount };
constexpr const char* kFieldNames[kFieldCount] = {
    "ts", "id.orig_h", "id.resp_h", "id.orig_p", "id.resp_p", "proto", "duration", "orig_bytes", "resp_bytes",
    "orig_pkts", "resp_pkts", "local_orig", "local_resp", "query", "qtype", "qtype_name", "answers", "uid",
    "server_name", "ja3", "ja4", "host", "user_agent"};

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

// ssl.log / http.log: names for the connection of this uid, kept until its conn.log line.
void collect_names(const Row& r, ZeekLog kind, ZeekNames* names) {
  if (!names) return;
  const auto uid = r.get(kUid);
  if (!uid) return;
  std::string server_name, tls_fp, user_agent;
  if (kind == ZeekLog::ssl) {
    if (auto v = r.get(kServerName)) server_name = clean_host_name(reinterpret_cast<const std::uint8_t*>(v->data()), v->size());
    if (auto v = r.get(kJa4)) tls_fp = std::string(v->substr(0, 128));
    else if (auto v3 = r.get(kJa3)) tls_fp = "ja3:" + std::string(v3->substr(0, 64));
  } else {
    if (auto v = r.get(kHost)) {
      std::string host(v->substr(0, 255));
      std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      server_name = http_host_name(host);
    }
    if (auto v = r.get(kUserAgent)) user_agent = std::string(v->substr(0, 512));
  }
  if (server_name.empty() && tls_fp.empty() && user_agent.empty()) return;
  auto& impl = ZeekNamesAccess::impl(*names);
  auto it = impl.by_uid.find(std::string(*uid));
  if (it == impl.by_uid.end()) {
    if (impl.by_uid.size() >= impl.max_entries) {
      ++names->dropped;
      return;
    }
    it = impl.by_uid.try_emplace(std::string(*uid)).first;
    ++names->added;
  }
  auto& e = it->second;  // the first request of a keep-alive connection names it
  e.window = impl.window;
  if (e.server_name.empty()) e.server_name = std::move(server_name);
  if (e.tls_fp.empty()) e.tls_fp = std::move(tls_fp);
  if (e.user_agent.empty()) e.user_agent = std::move(user_agent);
}

void deliver(const Row& r, ZeekLog kind, RecordSink& sink, ZeekNames* names) {
  if (kind == ZeekLog::ssl || kind == ZeekLog::http) {
    collect_names(r, kind, names);
    return;
  }
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
    if (names) {
      if (auto uid = r.get(kUid)) {
        auto& impl = ZeekNamesAccess::impl(*names);
        if (auto it = impl.by_uid.find(std::string(*uid)); it != impl.by_uid.end()) {
          c.server_name = std::move(it->second.server_name);
          c.tls_fp = std::move(it->second.tls_fp);
          c.http_user_agent = std::move(it->second.user_agent);
          impl.by_uid.erase(it);
          ++names->joined;
        }
      }
    }
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
                              const GzipBuf* gz, ZeekNames* names) {
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
        deliver(row, kind, sink, names);
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
      deliver(tsv, kind, sink, names);
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

std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink,
                            ZeekNames* names) {
  // gzip (1f 8b) is recognised by its magic, whatever the file is called.
  const int c0 = in.peek();
  if (c0 == 0x1f) {
    in.get();
    const int c1 = in.peek();
    in.unget();
    if (c1 == 0x8b) {
      GzipBuf buf(in);
      std::istream z(&buf);
      return read_zeek_lines(z, kind, source, sink, &buf, names);
    }
  }
  return read_zeek_lines(in, kind, source, sink, nullptr, names);
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
  if (is("ssl") || is("open_ssl")) return ZeekLog::ssl;
  if (is("http") || is("open_http")) return ZeekLog::http;
  return std::nullopt;
}

namespace {

// Where a file goes in the reading order: phase (0 dns, 1 closed connections, 2 open_*), the
// rotation window (directory + the window's end time: "conn.15:00:00-16:00:00.log.gz" and
// "ssl.15:02:19-16:00:00.log.gz" share "16:00:00"), then the kind within the window (names
// before the conn lines that claim them).
struct ZeekFile {
  ZeekLog kind;
  std::filesystem::path path;
  int phase = 1;
  std::string window;
  int rank = 0;
};

ZeekFile classify(ZeekLog kind, const std::filesystem::path& p) {
  ZeekFile f;
  f.kind = kind;
  f.path = p;
  const std::string name = p.filename().string();
  const bool open = name.rfind("open_", 0) == 0;
  f.phase = kind == ZeekLog::dns ? 0 : open ? 2 : 1;
  std::string rest = name.substr(std::min(name.size(), name.find('.') + 1));
  if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ".gz") == 0) rest.resize(rest.size() - 3);
  if (const auto dash = rest.rfind('-'); dash != std::string::npos) rest = rest.substr(dash + 1);
  f.window = p.parent_path().string() + "/" + rest;
  f.rank = kind == ZeekLog::ssl ? 0 : kind == ZeekLog::http ? 1 : 2;
  return f;
}

}  // namespace

std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink, std::vector<std::string>* skipped,
                             ZeekNames* names) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<ZeekFile> files;
  if (fs::is_directory(path, ec)) {
    // Day subdirectories (2024-04-20/conn.00:00:00-01:00:00.log.gz) as Zeek's archive keeps them.
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it.depth() > 3) it.disable_recursion_pending();
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      if (auto k = zeek_log_kind(name)) files.push_back(classify(*k, it->path()));
      else if (skipped && name.find(".log") != std::string::npos) skipped->push_back(it->path().string());
    }
    if (ec) throw InputError::in(path, "cannot list directory: " + ec.message());
    if (std::none_of(files.begin(), files.end(), [](const ZeekFile& f) { return f.kind != ZeekLog::ssl && f.kind != ZeekLog::http; }))
      throw InputError::in(path, "no conn*.log, open_conn*.log or dns*.log (plain or .gz) in this directory tree");
  } else if (fs::exists(path, ec)) {
    auto k = zeek_log_kind(fs::path(path).filename().string());
    if (!k) throw InputError::in(path, "cannot tell the Zeek log type: name it conn*.log, open_conn*.log, dns*.log, ssl*.log or http*.log");
    files.push_back(classify(*k, path));
  } else {
    throw InputError::in(path, "no such file or directory");
  }
  // dns first so destination names are known; then conn in path order (day directories and
  // rotation times sort chronologically), each window's ssl/http before its conn; open_* last,
  // so a connection that did close is already known.
  std::sort(files.begin(), files.end(), [](const ZeekFile& a, const ZeekFile& b) {
    if (a.phase != b.phase) return a.phase < b.phase;
    if (a.phase == 0) return a.path < b.path;
    if (a.window != b.window) return a.window < b.window;
    if (a.rank != b.rank) return a.rank < b.rank;
    return a.path < b.path;
  });
  if (skipped) std::sort(skipped->begin(), skipped->end());
  ZeekNames local;
  ZeekNames& join = names ? *names : local;
  std::uint64_t n = 0;
  const std::string* window = nullptr;
  int phase = -1;
  for (const auto& f : files) {
    if (window && (*window != f.window || phase != f.phase)) join.next_window();
    window = &f.window;
    phase = f.phase;
    std::ifstream in(f.path, std::ios::binary);
    if (!in) throw InputError::in(f.path.string(), "cannot open");
    n += read_zeek_log(in, f.kind, f.path.string(), sink, &join);
  }
  return n;
}

}  // namespace sg::hunt
