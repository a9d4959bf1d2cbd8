// supplyguard enroll, snapshot --tpm, verify --ak-registry: parsing and wiring only; the TPM work
// and the checks live in lib/attest (tpm.hpp, quote.hpp).
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "command.hpp"
#include "supplyguard/attest/attest.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::cli {

namespace {
attest::Bytes parse_nonce(const std::string& hex, const char* flag) {
  auto b = attest::from_hex(hex);
  if (!b || b->empty() || b->size() > 64)
    throw core::InputError::in(flag, "nonce must be 1-64 bytes of hex, got \"" + hex + "\"");
  return *b;
}
}  // namespace

struct QuoteCheck {
  std::filesystem::path dir;
  attest::AkRegistry registry;
  attest::QuoteCheckOptions options;
  std::map<std::string, attest::ClockMark> marks;
  std::set<std::string> moved;  // hosts whose mark advanced in this run
};

std::shared_ptr<QuoteCheck> make_quote_check(const std::string& registry, const std::string& nonce_hex) {
  auto q = std::make_shared<QuoteCheck>();
  q->dir = registry;
  q->registry = attest::AkRegistry::load(registry);
  q->marks = attest::load_clock_marks(registry);
  if (q->registry.size() == 0)
    std::fprintf(stderr, "supplyguard: warning: AK registry %s is empty: every quote is ak_unregistered\n", registry.c_str());
  if (nonce_hex.empty())
    std::fprintf(stderr, "supplyguard: warning: no --nonce: quote freshness is not checked (an old quote would pass)\n");
  else
    q->options.nonce = parse_nonce(nonce_hex, "--nonce");
  return q;
}

std::vector<core::Finding> check_quote(const QuoteCheck& q, const attest::Snapshot& s, std::optional<attest::QuoteClock>& clock) {
  clock = attest::quote_clock(s, q.registry, q.options);
  return attest::check_quote(s, q.registry, q.options);
}

std::vector<core::Finding> clock_findings(QuoteCheck& q, const std::optional<attest::QuoteClock>& clock) {
  if (!clock) return {};
  const auto before = q.marks.count(clock->host) ? std::optional(q.marks.at(clock->host).seen) : std::nullopt;
  auto fs = attest::check_clock_history(*clock, q.registry, q.marks);
  if (q.marks.count(clock->host) && q.marks.at(clock->host).seen != before) q.moved.insert(clock->host);
  return fs;
}

void save_clock_marks(const QuoteCheck& q) {
  for (const auto& h : q.moved) {
    try {
      attest::store_clock_mark(q.dir, h, q.marks.at(h));
    } catch (const std::exception& e) {  // a read-only registry: the findings stand, the history does not advance
      std::fprintf(stderr, "supplyguard: warning: %s: TPM clock history not saved: %s\n", h.c_str(), e.what());
    }
  }
}

void add_quote(attest::Snapshot& s, const std::string& tcti, const std::string& nonce_hex) {
  if (nonce_hex.empty()) throw core::InputError::in("--tpm", "give the verifier's --nonce to quote with");
  const auto nonce = parse_nonce(nonce_hex, "--nonce");
  attest::Tpm tpm(tcti);
  s.quote = attest::quote_for_snapshot(tpm, s, nonce);
}

void add_enroll(CLI::App& app, Action& action) {
  struct Opts {
    std::string tpm, root = "/", registry, ek_ca, ek_intermediates;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("enroll", "Bind this host's TPM attestation key to its EK and record it in an AK registry");
  sub->add_option("--tpm", o->tpm, "TPM to use (tpm2-tss TCTI: device:/dev/tpmrm0, swtpm:host=127.0.0.1,port=2321)")->required();
  sub->add_option("--root", o->root, "Host tree whose host name is enrolled (as snapshot --root; default /)");
  sub->add_option("--ak-registry", o->registry, "Registry directory (one <host>.json per host)")->required();
  sub->add_option("--ek-ca", o->ek_ca,
                  "PEM file of trusted CA certificates (roots, and intermediates if you like): the TPM's EK certificate "
                  "must certify the EK and chain to a self-signed root in it, else enrolment is refused");
  sub->add_option("--ek-intermediates", o->ek_intermediates,
                  "PEM file of untrusted intermediate CA certificates to build the EK certificate's chain with");
  sub->footer(
      "Reads the EK certificates in the TPM's NV (0x01c0000a ECC P-256, 0x01c00002 RSA 2048, high range 0x01c00012-1e),\n"
      "creates the EK of the TCG default template the certificate is for (ECC P-256 when there is none) and a\n"
      "restricted signing AK (primaries of the endorsement hierarchy), proves by\n"
      "MakeCredential/ActivateCredential that the AK is in the EK's TPM, and writes host -> EK, AK, AK name.\n"
      "Refuses a host already enrolled with another EK. Example:\n"
      "  sudo supplyguard enroll --tpm device:/dev/tpmrm0 --ak-registry /srv/supplyguard/aks --ek-ca tpm-vendor-ca.pem");
  sub->callback([&action, o] {
    action = [o](Output& out) {
      out.discard();
      attest::CollectOptions c;
      c.root = o->root;
      const auto host = attest::collect_snapshot(c).host.hostname;
      attest::Tpm tpm(o->tpm);
      attest::EnrollOptions eo;
      if (!o->ek_ca.empty()) eo.ek_ca = o->ek_ca;
      if (!o->ek_intermediates.empty()) {
        if (!eo.ek_ca) throw core::InputError::in("--ek-intermediates", "needs --ek-ca (the roots the chain must end at)");
        eo.ek_intermediates = o->ek_intermediates;
      }
      std::vector<std::string> warnings;
      const auto rec = attest::enroll(tpm, host, o->registry, eo, &warnings);
      for (const auto& w : warnings) std::fprintf(stderr, "supplyguard: warning: %s\n", w.c_str());
      std::fprintf(stderr, "enrolled %s: AK %s bound to the EK by credential activation; EK certificate: %s; wrote %s\n",
                   host.c_str(), attest::to_hex(rec.ak_name).c_str(), rec.ek_certificate.c_str(),
                   (std::filesystem::path(o->registry) / (host + ".json")).c_str());
      return core::kExitOk;
    };
  });
}

}  // namespace sg::cli
