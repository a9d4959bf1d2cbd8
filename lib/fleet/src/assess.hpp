#pragma once
// Verdicts and correlations from the light columns of the findings table, streamed row by row
// so that a million findings need no finding bodies in memory. Pure: no database in here, so
// the rules are tested directly and both backends share them.
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {

// Where a stored host record came from; the inventory wins over snapshots.
enum class Origin { inventory, snapshot };

struct HostRecord {
  std::string host;
  Origin origin = Origin::inventory;
  std::string model;
  std::string batch;
};
struct AddressRecord {
  std::string address;
  Origin origin = Origin::inventory;
  std::string host;
};

// What correlation looks at in one finding.
enum class CorrKind { none, destination, component };

struct FindingRow {
  std::string id;
  std::string named_host;  // the finding's own host when it is a name, else ""
  std::string address;     // the address to attribute through (host field or fields.src), else ""
  core::Plane plane = core::Plane::hunt;
  std::string type;
  core::Severity severity = core::Severity::info;
  std::optional<core::Micros> first_seen, last_seen;
  CorrKind corr_kind = CorrKind::none;
  std::string corr_key;    // destination, or {"type","component","after"} as canonical JSON
  std::string model_hint;  // fields.model, used when no record names the host's model
};

// Derives the attribution and correlation columns of a finding (at ingest).
FindingRow describe(const core::Finding& f, std::string id);

inline constexpr const char* kUnattributed = "unattributed";  // no host, no address
inline constexpr const char* kFleetHost = "fleet";  // StoredFinding.host of correlations

class Assessor {
 public:
  Assessor(const std::vector<HostRecord>& hosts, const std::vector<AddressRecord>& addresses, ViewOptions options);
  // The host a finding belongs to: its own name, else the owner of its address, else the
  // address itself (an unowned address stays visible as its own host), else "unattributed".
  std::string resolve(const FindingRow& row) const;
  void add(const FindingRow& row);
  Assessment finish();
  // Inventory + snapshot records merged (inventory first), plus hosts only findings name.
  std::vector<HostInfo> host_infos() const;

 private:
  struct HostState {
    std::string model, batch;
    bool model_from_record = false;
    std::size_t findings = 0;
    std::optional<core::Severity> worst;
    struct Notable {
      core::Severity severity;
      std::string id, type;
      core::Plane plane;
    };
    std::vector<Notable> notable;  // medium and above
    std::set<core::Plane> high_planes;
  };
  // A finding that may take part in a correlation; grouped in finish(), once every host's
  // model is final (a host no record names takes its model from its findings).
  struct Candidate {
    std::string host, id, type, key;
    CorrKind kind = CorrKind::none;
    core::Severity severity = core::Severity::info;
    std::optional<core::Micros> first, last;
  };
  HostState& host_state(const std::string& host);
  std::vector<core::Finding> correlate(std::map<std::string, std::vector<std::string>>& member_of) const;

  ViewOptions options_;
  std::unordered_map<std::string, std::string> owner_;  // address -> host
  std::map<std::string, HostState> hosts_;
  std::map<std::string, std::vector<std::string>> addresses_;  // host -> addresses
  std::vector<Candidate> candidates_;
};

}  // namespace sg::fleet
