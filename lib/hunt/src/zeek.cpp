#include "supplyguard/hunt/zeek.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "supplyguard/core/error.hpp"

namespace sg::hunt {
namespace {

using core::InputError;

struct Bad {
  std::string what;
};

bool is_unset(std::string_view v) { return v.empty() || v == "-" || v == "(empty)"; }

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
  virtual std::optional<std::string_view> get(const char* field) const = 0;
  virtual std::vector<std::string> list(const char* field) const = 0;

  std::string_view need(const char* field) const {
    auto v = get(field);
    if (!v) throw Bad{std::string("missing required field ") + field};
    return *v;
  }
};

void deliver(const Row& r, ZeekLog kind, RecordSink& sink) {
  if (kind == ZeekLog::conn) {
    ConnRecord c;
    c.ts = parse_ts(r.need("ts"), "ts");
    c.orig = parse_addr(r.need("id.orig_h"), "id.orig_h");
    c.resp = parse_addr(r.need("id.resp_h"), "id.resp_h");
    c.orig_port = std::uint16_t(parse_uint(r.need("id.orig_p"), "id.orig_p", 65535));
    c.resp_port = std::uint16_t(parse_uint(r.need("id.resp_p"), "id.resp_p", 65535));
    const auto proto = r.need("proto");
    c.proto = parse_proto(proto).value_or(0);
    if (auto d = r.get("duration")) {
      const Micros us = parse_ts(*d, "duration");
      c.duration = us;
    }
    if (auto v = r.get("orig_bytes")) c.orig_bytes = parse_uint(*v, "orig_bytes", UINT64_MAX);
    if (auto v = r.get("resp_bytes")) c.resp_bytes = parse_uint(*v, "resp_bytes", UINT64_MAX);
    if (auto v = r.get("orig_pkts")) c.orig_pkts = std::uint32_t(parse_uint(*v, "orig_pkts", UINT32_MAX));
    if (auto v = r.get("resp_pkts")) c.resp_pkts = std::uint32_t(parse_uint(*v, "resp_pkts", UINT32_MAX));
    sink.on_conn(c);
    return;
  }
  DnsRecord d;
  d.ts = parse_ts(r.need("ts"), "ts");
  d.client = parse_addr(r.need("id.orig_h"), "id.orig_h");
  auto q = r.get("query");
  if (!q) return;  // a DNS exchange without a question: nothing to learn from it
  d.query.assign(q->begin(), q->end());
  std::transform(d.query.begin(), d.query.end(), d.query.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
  if (!d.query.empty() && d.query.back() == '.') d.query.pop_back();
  if (auto t = r.get("qtype")) d.qtype = std::uint16_t(parse_uint(*t, "qtype", 65535));
  else if (auto n = r.get("qtype_name")) d.qtype = *n == "TXT" ? 16 : *n == "NULL" ? 10 : *n == "AAAA" ? 28 : *n == "A" ? 1 : 0;
  for (const auto& a : r.list("answers"))
    if (auto ip = parse_ip(a)) d.answers.push_back(*ip);  // answers also hold CNAME targets: skip those
  sink.on_dns(d);
}

class TsvRow final : public Row {
 public:
  const std::unordered_map<std::string, std::size_t>* index = nullptr;
  std::vector<std::string_view> cols;
  std::string set_sep = ",", empty = "(empty)", unset = "-";
  std::optional<std::string_view> get(const char* field) const override {
    auto it = index->find(field);
    if (it == index->end() || it->second >= cols.size()) return std::nullopt;
    const std::string_view v = cols[it->second];
    if (v == unset || v == empty || v.empty()) return std::nullopt;
    return v;
  }
  std::vector<std::string> list(const char* field) const override {
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
  std::optional<std::string_view> get(const char* field) const override {
    auto it = obj->find(field);
    if (it == obj->end() || it->is_null()) return std::nullopt;
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
    throw Bad{std::string("field ") + field + ": unexpected JSON type"};
  }
  std::vector<std::string> list(const char* field) const override {
    std::vector<std::string> out;
    auto it = obj->find(field);
    if (it == obj->end() || !it->is_array()) return out;
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  }
};

std::vector<std::string_view> split(std::string_view line, std::string_view sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
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

}  // namespace

std::uint64_t read_zeek_log(std::istream& in, ZeekLog kind, const std::string& source, RecordSink& sink) {
  std::string line;
  std::uint64_t lineno = 0, records = 0;
  std::string sep = "\t";
  std::unordered_map<std::string, std::size_t> index;
  bool have_fields = false;
  TsvRow tsv;
  tsv.index = &index;
  try {
    while (std::getline(in, line)) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (line[0] == '{') {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) throw Bad{"malformed JSON line"};
        JsonRow row;
        row.obj = &j;
        deliver(row, kind, sink);
        ++records;
        continue;
      }
      if (line[0] == '#') {
        const std::string_view l(line);
        if (l.rfind("#separator", 0) == 0) {
          const std::string v = unescape_separator(l.substr(std::min<std::size_t>(l.size(), 11)));
          if (v.empty()) throw Bad{"empty #separator"};
          sep = v;
        } else {
          const auto parts = split(l, sep);
          if (parts[0] == "#fields") {
            index.clear();
            for (std::size_t i = 1; i < parts.size(); ++i) index[std::string(parts[i])] = i - 1;
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
      tsv.cols = split(line, sep);
      if (tsv.cols.size() != index.size())
        throw Bad{"expected " + std::to_string(index.size()) + " fields, found " + std::to_string(tsv.cols.size())};
      deliver(tsv, kind, sink);
      ++records;
    }
  } catch (const Bad& b) {
    throw InputError::at_line(source, lineno, b.what);
  }
  if (in.bad()) throw InputError::at_line(source, lineno, "read error");
  return records;
}

std::uint64_t read_zeek_path(const std::string& path, RecordSink& sink) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<ZeekLog, fs::path>> files;
  auto kind_of = [](const std::string& name) -> std::optional<ZeekLog> {
    if (name.rfind("dns", 0) == 0 && name.find(".log") != std::string::npos) return ZeekLog::dns;
    if (name.rfind("conn", 0) == 0 && name.find(".log") != std::string::npos) return ZeekLog::conn;
    return std::nullopt;
  };
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) continue;
      if (auto k = kind_of(name); k && e.is_regular_file()) files.emplace_back(*k, e.path());
    }
    if (ec) throw InputError::in(path, "cannot list directory: " + ec.message());
    if (files.empty()) throw InputError::in(path, "no conn*.log or dns*.log in this directory (gzip logs must be unpacked)");
  } else if (fs::exists(path, ec)) {
    auto k = kind_of(fs::path(path).filename().string());
    if (!k) throw InputError::in(path, "cannot tell the Zeek log type: name it conn*.log or dns*.log");
    files.emplace_back(*k, path);
  } else {
    throw InputError::in(path, "no such file or directory");
  }
  // dns first so destination names are known; then by name for a stable order.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first == ZeekLog::dns;
    return a.second < b.second;
  });
  std::uint64_t n = 0;
  for (const auto& [kind, p] : files) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw InputError::in(p.string(), "cannot open");
    n += read_zeek_log(in, kind, p.string(), sink);
  }
  return n;
}

}  // namespace sg::hunt
