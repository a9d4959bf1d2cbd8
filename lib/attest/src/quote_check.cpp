// check_quote: the quote's findings. Order of trust: the registry's AK (enrolment bound it to the
// EK) -> the signature over TPMS_ATTEST -> the nonce in it -> the PCR digest in it -> the reported
// PCR values -> what the event log and the IMA list replay to. Each step only uses what the
// previous one established.
#include <set>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {
namespace {

using core::Finding;
using core::Severity;

Finding& emit(std::vector<Finding>& out, const Snapshot& s, std::string type, Severity sev, std::string subject,
              const std::string& summary) {
  Finding f;
  f.plane = core::Plane::attest;
  f.type = std::move(type);
  f.severity = sev;
  f.score = sev == Severity::critical ? 0.95 : sev == Severity::high ? 0.8 : sev == Severity::medium ? 0.6
          : sev == Severity::low ? 0.4 : 0.2;
  f.host = s.host.hostname;
  f.subject = subject;
  f.summary = s.host.hostname + ": " + summary;
  if (auto t = core::parse_iso8601(s.collected_at)) f.first_seen = f.last_seen = *t;
  f.fields["model"] = s.host.model;
  f.fields["component"] = std::move(subject);
  out.push_back(std::move(f));
  return out.back();
}

// The snapshot's logged events as an EventLog, so the one replay() of eventlog.cpp recomputes the
// PCRs from the logged digests (never from the snapshot's "replayed" claim).
EventLog as_event_log(const EventLogEvidence& ev, std::uint16_t alg) {
  EventLog log;
  log.crypto_agile = true;
  log.algorithms.push_back({alg, std::uint16_t(alg_size(alg).value_or(0))});
  log.startup_locality = std::uint8_t(ev.startup_locality);
  const std::string name = alg_name(alg);
  for (const auto& m : ev.events) {
    TcgEvent e;
    e.pcr = m.pcr;
    e.type = m.type == "EV_NO_ACTION" ? kEvNoAction : m.type == "EV_EFI_HCRTM_EVENT" ? kEvEfiHcrtmEvent : 0;
    if (e.type == kEvEfiHcrtmEvent) log.hcrtm = true;
    auto d = m.digests.find(name);
    if (d == m.digests.end()) continue;
    auto raw = from_hex(d->second);
    if (!raw || raw->size() != alg_size(alg)) continue;  // a malformed digest cannot replay: it will not match
    e.digests.push_back({alg, std::move(*raw)});
    log.events.push_back(std::move(e));
  }
  return log;
}

std::string clock_text(const ClockInfo& c) {
  return "resetCount " + std::to_string(c.reset_count) + ", restartCount " + std::to_string(c.restart_count) + ", clock " +
         std::to_string(c.clock) + " ms, safe " + (c.safe ? "YES" : "NO");
}

nlohmann::json clock_fields(const ClockInfo& c) {
  return {{"reset_count", c.reset_count}, {"restart_count", c.restart_count}, {"clock", c.clock}, {"safe", c.safe}};
}

}  // namespace

std::vector<Finding> check_quote(const Snapshot& s, const AkRegistry& registry, const QuoteCheckOptions& o) {
  std::vector<Finding> out;
  if (!s.quote) {
    if (o.quote_expected)
      emit(out, s, "quote_missing", Severity::high, "quote",
           "no TPM quote in the snapshot, though this model's golden hosts were quoted");
    return out;
  }
  const QuoteEvidence& q = *s.quote;
  if (!q.error.empty()) {
    auto& f = emit(out, s, "quote_missing", Severity::high, "quote", "the TPM could not be quoted: " + q.error);
    f.evidence["why"] = q.error;
    return out;
  }
  const AkRecord* rec = registry.find(s.host.hostname);
  if (!rec || to_hex(rec->ak_name) != q.ak_name) {
    auto& f = emit(out, s, "ak_unregistered", Severity::high, "quote",
                   rec ? "quote signed by AK " + q.ak_name.substr(0, 16) + "…, not the AK enrolled for this host"
                       : "no AK is enrolled for this host (supplyguard enroll)");
    f.evidence["ak_name"] = q.ak_name;
    if (rec) f.evidence["ak_name_enrolled"] = to_hex(rec->ak_name);
    return out;
  }
  auto invalid = [&](const std::string& why) {
    auto& f = emit(out, s, "quote_invalid", Severity::critical, "quote", "TPM quote rejected: " + why);
    f.evidence["why"] = why;
  };
  auto attest = from_hex(q.attest), sig = from_hex(q.signature);
  if (!attest || !sig) {
    invalid("attest or signature is not hex");
    return out;
  }
  const auto alg = alg_from_name(q.pcr_alg);
  if (!alg || !alg_size(*alg)) {
    invalid("PCR bank \"" + q.pcr_alg + "\" is not supported");
    return out;
  }
  std::map<std::uint32_t, Bytes> values;
  for (const auto& [pcr, hex] : q.pcr_values) {
    auto v = from_hex(hex);
    if (!v || v->size() != *alg_size(*alg)) {
      invalid("PCR " + std::to_string(pcr) + " value is not a " + q.pcr_alg + " digest");
      return out;
    }
    values[pcr] = std::move(*v);
  }
  QuoteParts parts;
  if (const auto why = verify_quote_signature(*attest, *sig, rec->ak_public, values, parts); !why.empty()) {
    invalid(why);
    return out;
  }
  if (parts.pcr_alg != *alg || parts.pcrs != q.pcrs) {
    invalid("the quoted PCR selection is not the one the snapshot reports");
    return out;
  }
  if (o.nonce && *o.nonce != parts.extra_data) {
    auto& f = emit(out, s, "quote_stale", Severity::high, "quote",
                   "TPM quote is not for this verifier's nonce (a replayed or old quote)");
    f.evidence["nonce_expected"] = to_hex(*o.nonce);
    f.evidence["nonce_found"] = to_hex(parts.extra_data);
  }
  // The quote is genuine: now does the evidence the host showed explain the quoted PCRs?
  auto mismatch = [&](std::uint32_t pcr, const std::string& what, const std::string& expected, const std::string& quoted) {
    auto& f = emit(out, s, "quote_pcr_mismatch", Severity::critical, "pcr:" + std::to_string(pcr),
                   "PCR " + std::to_string(pcr) + " (" + q.pcr_alg + ") quoted by the TPM is not what " + what +
                       " replays to: it was forged or truncated");
    f.fields["before"] = {{"alg", q.pcr_alg}, {"replayed", expected}};
    f.fields["after"] = {{"alg", q.pcr_alg}, {"quoted", quoted}};
    f.evidence["replayed"] = expected;
    f.evidence["quoted"] = quoted;
  };
  if (s.eventlog.present) {
    const auto replayed = replay(as_event_log(s.eventlog, *alg));
    const auto bank_it = replayed.find(*alg);
    const PcrBank empty;
    const PcrBank& bank = bank_it == replayed.end() ? empty : bank_it->second;
    for (auto pcr : q.pcrs) {
      if (pcr == kImaPcr && s.ima.present) continue;  // judged against the IMA list below
      if (pcr > 15) continue;                          // DRTM/debug PCRs: not the firmware log's
      Bytes expect(*alg_size(*alg), 0);
      if (auto it = bank.find(pcr); it != bank.end()) expect = it->second;
      else if (pcr == 0) expect.back() = std::uint8_t(s.eventlog.startup_locality);
      if (expect != values.at(pcr)) mismatch(pcr, "the event log", to_hex(expect), to_hex(values.at(pcr)));
    }
  }
  if (auto it = values.find(kImaPcr); it != values.end()) {
    if (s.ima.present) {
      auto m = match_ima_prefix(s.ima.list, *alg, it->second);
      if (!m) {
        const auto r = replay_ima(s.ima.list, *alg);
        mismatch(kImaPcr, "the IMA measurement list (" + std::to_string(s.ima.list.entries.size()) + " entries)",
                 r ? to_hex(r->pcr) : "", to_hex(it->second));
        if (r && !r->bad_template_hashes.empty())
          out.back().evidence["entries_with_bad_template_hash"] = r->bad_template_hashes.size();
      }
    } else if (it->second != Bytes(it->second.size(), 0)) {
      mismatch(kImaPcr, "an absent IMA list", to_hex(Bytes(it->second.size(), 0)), to_hex(it->second));
    }
  }
  return out;
}

}  // namespace sg::attest

namespace sg::attest {

std::optional<QuoteClock> quote_clock(const Snapshot& s, const AkRegistry& registry, const QuoteCheckOptions& o) {
  if (!s.quote || !s.quote->error.empty()) return std::nullopt;
  const QuoteEvidence& q = *s.quote;
  const AkRecord* rec = registry.find(s.host.hostname);
  if (!rec || to_hex(rec->ak_name) != q.ak_name) return std::nullopt;
  const auto attest = from_hex(q.attest), sig = from_hex(q.signature);
  const auto alg = alg_from_name(q.pcr_alg);
  if (!attest || !sig || !alg || !alg_size(*alg)) return std::nullopt;
  std::map<std::uint32_t, Bytes> values;
  for (const auto& [pcr, hex] : q.pcr_values) {
    auto v = from_hex(hex);
    if (!v) return std::nullopt;
    values[pcr] = std::move(*v);
  }
  QuoteParts parts;
  if (!verify_quote_signature(*attest, *sig, rec->ak_public, values, parts).empty()) return std::nullopt;
  return QuoteClock{s.host.hostname, s.host.model, s.collected_at, parts.clock, !o.nonce || *o.nonce == parts.extra_data};
}

std::vector<Finding> check_clock_history(const QuoteClock& q, const AkRegistry& registry, std::map<std::string, ClockMark>& marks) {
  std::vector<Finding> out;
  Snapshot s;  // what emit() names: host, model, time
  s.host.hostname = q.host;
  s.host.model = q.model;
  s.collected_at = q.collected_at;
  auto it = marks.find(q.host);
  const AkRecord* rec = registry.find(q.host);
  if (it == marks.end() && rec && rec->clock)
    it = marks.emplace(q.host, ClockMark{*rec->clock, "enrolment at " + rec->enrolled_at}).first;
  const ClockMark mark{q.clock, "quote of " + q.collected_at};
  if (it == marks.end()) {
    if (q.fresh) marks.emplace(q.host, mark);
    return out;
  }
  const ClockVerdict v = compare_clock(it->second.clock, q.clock);
  if (v.change == ClockChange::rollback) {
    auto& f = emit(out, s, "tpm_clock_rollback", Severity::high, "tpm:clock",
                   "TPM clock history went backwards since the " + it->second.seen + ": " + v.why +
                       " -- an old quote, TPM state restored from a copy, or a TPM2_Clear");
    f.fields["before"] = clock_fields(it->second.clock);
    f.fields["after"] = clock_fields(q.clock);
    f.evidence["previous"] = it->second.seen;
    f.evidence["why"] = v.why;
    return out;  // the mark stays where it was
  }
  if (v.change != ClockChange::same_boot) {
    const bool reset = v.change == ClockChange::reboot;
    auto& f = emit(out, s, "tpm_reboot", Severity::info, "tpm:clock",
                   std::string(reset ? "TPM reset (a reboot) since the " : "TPM resumed since the ") + it->second.seen + ": " + v.why);
    f.fields["before"] = clock_fields(it->second.clock);
    f.fields["after"] = clock_fields(q.clock);
    f.evidence["kind"] = reset ? "reset" : "resume";
    f.evidence["previous"] = it->second.seen;
    f.evidence["now"] = clock_text(q.clock);
  }
  if (q.fresh) it->second = mark;
  return out;
}

}  // namespace sg::attest
