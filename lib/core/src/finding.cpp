#include "supplyguard/core/finding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "supplyguard/core/error.hpp"

namespace sg::core {
namespace {

constexpr const char* kCoreKeys[] = {"id",         "plane",     "type",    "severity", "score", "host",
                                     "subject",    "first_seen", "last_seen", "summary", "evidence"};

bool is_core_key(const std::string& k) {
  return std::any_of(std::begin(kCoreKeys), std::end(kCoreKeys), [&](const char* c) { return k == c; });
}

// Scores are printed with 3 decimals: more precision is noise, and it keeps lines stable.
double round_score(double s) {
  if (!std::isfinite(s)) s = 0.0;
  s = std::clamp(s, 0.0, 1.0);
  return std::round(s * 1000.0) / 1000.0;
}

Json body(const Finding& f) {
  Json j = Json::object();
  j["plane"] = to_string(f.plane);
  j["type"] = f.type;
  j["severity"] = to_string(f.severity);
  j["score"] = round_score(f.score);
  j["host"] = f.host;
  j["subject"] = f.subject;
  if (f.fields.is_object())
    for (const auto& [k, v] : f.fields.items())
      if (!is_core_key(k)) j[k] = v;
  if (f.first_seen) j["first_seen"] = format_iso8601(*f.first_seen);
  if (f.last_seen) j["last_seen"] = format_iso8601(*f.last_seen);
  j["summary"] = f.summary;
  j["evidence"] = f.evidence.is_object() ? f.evidence : Json::object();
  return j;
}

// FNV-1a 64: stable across platforms and runs, good enough to name a finding (not security).
std::string fnv1a_hex(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) { h ^= c; h *= 1099511628211ULL; }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

[[noreturn]] void bad(const std::string& source, std::uint64_t line, const std::string& what) {
  throw InputError::at_line(source, line, what);
}

std::string need_string(const Json& j, const char* key, const std::string& source, std::uint64_t line) {
  auto it = j.find(key);
  if (it == j.end()) bad(source, line, std::string("finding lacks \"") + key + "\"");
  if (!it->is_string()) bad(source, line, std::string("finding \"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::optional<Micros> opt_time(const Json& j, const char* key, const std::string& source, std::uint64_t line) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(source, line, std::string("\"") + key + "\" is not an ISO-8601 string");
  auto t = parse_iso8601(it->get<std::string>());
  if (!t) bad(source, line, std::string("\"") + key + "\" is not an ISO-8601 UTC time");
  return t;
}

}  // namespace

std::string Finding::id() const {
  return fnv1a_hex(body(*this).dump(-1, ' ', false, Json::error_handler_t::replace));
}

Json to_json(const Finding& f) {
  Json j = Json::object();
  Json b = body(f);  // named: a temporary in the range-for would dangle
  j["id"] = fnv1a_hex(b.dump(-1, ' ', false, Json::error_handler_t::replace));
  for (auto& [k, v] : b.items()) j[k] = std::move(v);
  return j;
}

std::string to_json_line(const Finding& f) {
  // Replace invalid UTF-8 rather than throw: a finding about hostile input must still print.
  // The same bytes as to_json(f).dump() ("id" first, then the body's members in order; the body
  // never holds "id" and is never empty), with one serialization instead of two: at fleet ingest
  // this runs once per stored finding.
  const std::string b = body(f).dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(b.size() + 25);
  out += "{\"id\":\"";
  out += fnv1a_hex(b);
  out += "\",";
  out.append(b, 1, std::string::npos);
  return out;
}

Finding finding_from_json(const Json& j, const std::string& source, std::uint64_t line) {
  if (!j.is_object()) bad(source, line, "finding is not a JSON object");
  Finding f;
  const std::string plane = need_string(j, "plane", source, line);
  auto p = parse_plane(plane);
  if (!p) bad(source, line, "unknown plane \"" + plane + "\"");
  f.plane = *p;
  f.type = need_string(j, "type", source, line);
  if (f.type.empty()) bad(source, line, "finding \"type\" is empty");
  const std::string sev = need_string(j, "severity", source, line);
  auto s = parse_severity(sev);
  if (!s) bad(source, line, "unknown severity \"" + sev + "\"");
  f.severity = *s;
  if (auto it = j.find("score"); it != j.end()) {
    if (!it->is_number()) bad(source, line, "\"score\" is not a number");
    f.score = it->get<double>();
    if (!(f.score >= 0.0 && f.score <= 1.0)) bad(source, line, "\"score\" is outside [0,1]");
  }
  if (j.contains("host")) f.host = need_string(j, "host", source, line);
  if (j.contains("subject")) f.subject = need_string(j, "subject", source, line);
  if (j.contains("summary")) f.summary = need_string(j, "summary", source, line);
  f.first_seen = opt_time(j, "first_seen", source, line);
  f.last_seen = opt_time(j, "last_seen", source, line);
  if (auto it = j.find("evidence"); it != j.end()) {
    if (!it->is_object()) bad(source, line, "\"evidence\" is not an object");
    f.evidence = *it;
  }
  for (const auto& [k, v] : j.items())
    if (!is_core_key(k)) f.fields[k] = v;
  return f;
}

Finding finding_from_json_line(std::string_view text, const std::string& source, std::uint64_t line) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) bad(source, line, "not valid JSON");
  return finding_from_json(j, source, line);
}

std::string json_error_text(const Json::exception& e) {
  std::string msg = e.what();
  if (auto p = msg.find("] "); p != std::string::npos) msg.erase(0, p + 2);
  return msg;
}

}  // namespace sg::core
