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

// The attribution key of a finding: "h:" + its host name, "a:" + its address, or "u:" (neither).
// Aggregates are kept per key, not per host, because which host owns an address is decided when
// reading (an inventory loaded later still attributes earlier findings).
std::string attribution_key(const FindingRow& r);

// How many finding ids per severity an aggregate keeps for a verdict's `reasons` (the smallest
// ids, which is the order reasons are listed in). Counts stay exact; a `why` says when a list
// was cut.
inline constexpr std::size_t kReasonCap = 32;

// What a verdict needs from one attribution key's findings, kept in the store at ingest
// (table agg_keys) so that verdicts never read the findings table.
struct KeyAggregate {
  std::string key;                       // attribution_key()
  std::size_t findings = 0;
  std::optional<core::Severity> worst;
  std::size_t medium = 0, high = 0, critical = 0;
  unsigned high_planes = 0;              // bit per core::Plane with a high or critical finding
  std::string model_hint;                // the first finding's fields.model that was not empty
  std::optional<core::Micros> latest;    // latest last_seen (else first_seen)
  std::string latest_id;
  std::string critical_type;             // type and plane of the smallest-id critical finding
  core::Plane critical_plane = core::Plane::hunt;
  IdList critical_ids, high_ids, medium_ids;  // smallest kReasonCap, sorted

  void add(const FindingRow& r);
  void merge(const KeyAggregate& o);     // o came later (its model hint loses)
  // A host with a critical finding is named by its critical ids (and its correlations): a verdict
  // never lists its high or medium ids, so they are not kept (at 10^5 hosts they were most of the
  // ids held; counts stay exact).
  void drop_ids_below_critical();
};

inline constexpr const char* kUnattributed = "unattributed";  // no host, no address
inline constexpr const char* kFleetHost = "fleet";  // StoredFinding.host of correlations

class Assessor {
 public:
  Assessor(const std::vector<HostRecord>& hosts, const std::vector<AddressRecord>& addresses, ViewOptions options);
  // The host a finding belongs to: its own name, else the owner of its address, else the
  // address itself (an unowned address stays visible as its own host), else "unattributed".
  std::string resolve(const FindingRow& row) const;
  // The host an attribution key belongs to (resolve() for a key).
  std::string resolve_key(const std::string& key) const;
  // One finding (tests, and stores without aggregates): folded into its key's aggregate, and a
  // correlation candidate when it has a correlation key.
  void add(const FindingRow& row);
  // What the store keeps: one aggregate per key, and the candidates (findings whose correlation
  // key was seen from at least two attribution keys, so could reach K hosts).
  void add_aggregate(const KeyAggregate& k);
  void add_candidate(const FindingRow& row);
  // What the store keeps since schema 5: one aggregate per host (every key that resolves to it,
  // merged at ingest; `model_hint` the hint of the smallest such key), and candidates whose
  // host the store resolved. The host need not own a record.
  void add_host_aggregate(const std::string& host, KeyAggregate&& k);
  void add_candidate(const FindingRow& row, const std::string& host);
  Assessment finish();
  // Inventory + snapshot records merged (inventory first), plus hosts only findings name.
  std::vector<HostInfo> host_infos() const;

 private:
  // Streaming a million rows: everything per row is interned or kept in one arena, so a row
  // costs no allocation of its own.
  struct IdRef {
    std::uint32_t offset = 0, size = 0;
  };
  struct HostState {
    std::string host, model, batch;
    bool model_from_record = false;
    KeyAggregate agg;              // every key of the host merged
  };
  // A finding that may take part in a correlation; grouped in finish(), once every host's
  // model is final (a host no record names takes its model from its findings).
  struct Candidate {
    int host = 0;
    CorrKind kind = CorrKind::none;
    int type = 0, key = 0;  // types_ / keys_ indices
    IdRef id;
    std::optional<core::Micros> first, last;
    core::Severity severity = core::Severity::info;
  };
  struct Pool {
    std::unordered_map<std::string, int> index;
    std::vector<std::string> values;
    int intern(const std::string& s);
  };
  int host_index(const std::string& host);
  int resolve_index(const FindingRow& row);
  void fold(const KeyAggregate& k);
  void fold(int host, const KeyAggregate& k);
  void fold(int host, KeyAggregate&& k);
  void add_candidate(int host, const FindingRow& row);
  std::string_view id_of(IdRef r) const { return std::string_view(ids_).substr(r.offset, r.size); }
  // Correlations, and for each candidate that is part of one, the correlation indices.
  std::vector<core::Finding> correlate(std::unordered_map<int, std::vector<int>>& member_of,
                                       std::vector<std::string>& ids) const;

  ViewOptions options_;
  std::unordered_map<std::string, std::string> owner_;  // address -> host
  std::unordered_map<std::string, int> index_;          // host -> hosts_ index
  std::vector<HostState> hosts_;
  std::unordered_map<std::string, std::vector<std::string>> addresses_;  // host -> addresses
  std::vector<Candidate> candidates_;
  std::map<std::string, KeyAggregate> pending_;  // add(row): per key, folded in finish()
  Pool types_, keys_;
  std::string ids_;  // arena of finding ids
};

}  // namespace sg::fleet
