// Input files for ingest: JSON lines of findings from any plane, or one attest snapshot. Told
// apart by content, not by name, because both usually end in .json/.jsonl in the wild.
#include <string>

#include "input.hpp"
#include "input_util.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

constexpr std::string_view kSnapshotSchema = "supplyguard.snapshot/1";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view first_line(std::string_view text) {
  std::size_t a = 0;
  while (a < text.size() && is_space(text[a])) ++a;
  std::size_t b = text.find('\n', a);
  return text.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a);
}

}  // namespace

// A snapshot is one (usually pretty-printed) object with a "schema"; a findings file's first
// line is a complete object on its own. The check looks only at the start, so a truncated
// snapshot is still recognised and reported by byte offset.
bool looks_like_snapshot(std::string_view text) {
  std::string_view head = text.substr(0, 4096);
  if (head.find("\"schema\"") == std::string_view::npos) return false;
  auto line = first_line(text);
  auto j = core::Json::parse(line.begin(), line.end(), nullptr, false);
  return j.is_discarded() || (j.is_object() && j.contains("schema"));
}

namespace {

const core::Json& need(const core::Json& obj, const char* key, const std::string& source, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end()) throw core::InputError::in(source, std::string("snapshot ") + where + " lacks \"" + key + "\"");
  return *it;
}

std::string need_string(const core::Json& obj, const char* key, const std::string& source, const char* where) {
  const auto& v = need(obj, key, source, where);
  if (!v.is_string())
    throw core::InputError::in(source, std::string("snapshot ") + where + "." + key + " is not a string");
  return v.get<std::string>();
}

IngestBatch parse_snapshot(std::string_view text, const std::string& source) {
  core::Json j;
  try {
    j = core::Json::parse(text.begin(), text.end());
  } catch (const core::Json::parse_error& e) {
    throw core::InputError::at_offset(source, e.byte ? e.byte - 1 : 0, "snapshot is not valid JSON");
  } catch (const core::Json::exception& e) {
    // Well-formed but unreadable, e.g. a number too large for a double (found by fuzz_ingest:
    // it escaped as a bare nlohmann out_of_range); nlohmann gives no offset for these.
    std::string msg = core::json_error_text(e);
    if (msg.size() > 160) msg = msg.substr(0, 160) + "...";  // it quotes the number, of any length
    throw core::InputError::in(source, "snapshot is not valid JSON: " + msg);
  }
  if (!j.is_object()) throw core::InputError::in(source, "snapshot is not a JSON object");
  const std::string schema = need_string(j, "schema", source, "object");
  if (schema != kSnapshotSchema)
    throw core::InputError::in(source, "unsupported schema \"" + schema + "\" (expected " + std::string(kSnapshotSchema) + ")");
  const auto& host = need(j, "host", source, "object");
  if (!host.is_object()) throw core::InputError::in(source, "snapshot \"host\" is not an object");
  HostInfo h;
  h.host = need_string(host, "hostname", source, "host");
  if (h.host.empty()) throw core::InputError::in(source, "snapshot host.hostname is empty");
  if (host.contains("model")) h.model = need_string(host, "model", source, "host");
  check_text(h.host, source, 1, "host.hostname");
  check_text(h.model, source, 1, "host.model");
  if (auto it = host.find("addresses"); it != host.end()) {
    if (!it->is_array()) throw core::InputError::in(source, "snapshot host.addresses is not an array");
    for (const auto& a : *it) {
      if (!a.is_string()) throw core::InputError::in(source, "snapshot host.addresses holds a non-string");
      auto norm = normalize_address(a.get<std::string>());
      if (!norm) throw core::InputError::in(source, "snapshot host.addresses: not an IP address: \"" + a.get<std::string>() + "\"");
      h.addresses.push_back(*norm);
    }
  }
  IngestBatch b;
  b.source = source;
  b.snapshots = 1;
  b.snapshot_hosts.push_back(std::move(h));
  return b;
}

}  // namespace

bool FindingLines::next(std::vector<core::Finding>& out, std::size_t max) {
  std::size_t added = 0;
  while (added < max && pos_ < text_.size()) {
    ++line_;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view l = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    std::size_t a = 0;
    while (a < l.size() && is_space(l[a])) ++a;
    if (a == l.size()) continue;  // blank lines separate nothing, but are harmless
    core::Finding f = core::finding_from_json_line(l, source_, line_);
    check_text(f.host, source_, line_, "host");
    check_text(f.type, source_, line_, "type");
    check_text(f.subject, source_, line_, "subject");
    out.push_back(std::move(f));
    ++added;
  }
  return added > 0;
}

IngestBatch parse_input(std::string_view text, const std::string& source) {
  if (looks_like_snapshot(text)) return parse_snapshot(text, source);
  IngestBatch b;
  b.source = source;
  FindingLines lines(text, source);
  while (lines.next(b.findings, 1 << 16)) {
  }
  return b;
}

IngestBatch read_input(const std::string& path) { return parse_input(read_file(path), path); }

}  // namespace sg::fleet
