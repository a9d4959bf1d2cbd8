#pragma once
// Finding: the unit every plane produces and every report/store consumes.
//
// Key order of the JSON form is fixed (id, plane, type, severity, score, host, subject, the
// plane's own fields in the order they were added, first_seen, last_seen, summary, evidence) so
// that lines diff cleanly and a SIEM sees one shape.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "supplyguard/core/severity.hpp"
#include "supplyguard/core/time.hpp"

namespace sg::core {

using Json = nlohmann::ordered_json;

struct Finding {
  Plane plane = Plane::hunt;
  std::string type;          // stable id: "beacon", "component_added", ...
  Severity severity = Severity::info;
  double score = 0.0;        // [0,1], clamped on output
  std::string host;          // host the finding is about ("" when not known yet)
  std::string subject;       // what inside the host: a flow, a PCI address, a board region
  std::string summary;       // one human sentence
  std::optional<Micros> first_seen;
  std::optional<Micros> last_seen;
  Json fields = Json::object();    // plane-specific top-level keys (src, dst, bbox, ...)
  Json evidence = Json::object();  // the numbers behind the verdict

  // Deterministic id over the finding's content (not its id), so re-ingesting is idempotent.
  std::string id() const;
};

// nlohmann's message without its "[json.exception.<kind>.<n>] " prefix, for an error a user reads.
std::string json_error_text(const Json::exception& e);

Json to_json(const Finding& f);
std::string to_json_line(const Finding& f);  // no trailing newline

// Parses one JSON object in the form to_json writes (unknown top-level keys become fields).
// Throws InputError naming `source` and `line` on anything malformed.
Finding finding_from_json(const Json& j, const std::string& source, std::uint64_t line);
Finding finding_from_json_line(std::string_view text, const std::string& source, std::uint64_t line);

}  // namespace sg::core
