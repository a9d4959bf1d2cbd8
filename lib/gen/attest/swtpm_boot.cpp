// A software TPM "booted" with a generated tree's event log: TPM_Init, TPM2_Startup from the
// locality the log's StartupLocality event names, then every measurement. A log that starts PCR 0
// at locality 3 (model A: StartupLocality 3, as on servers whose ACM/H-CRTM starts the TPM) replays
// only on a TPM started from locality 3, which PCR_Extend cannot fake; swtpm lets a client choose
// the locality of its commands (its control channel's CMD_SET_LOCALITY, which tpm2-tss's swtpm TCTI
// sends for Tss2_Tcti_SetLocality) and power-cycle the TPM (CMD_INIT: Tss2_Tcti_Swtpm_Reset).
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/gen/host_tree.hpp"

namespace sg::attest {
namespace {

void check(TSS2_RC rc, const std::string& what) {
  if (rc != TSS2_RC_SUCCESS) throw std::runtime_error(what + ": " + Tss2_RC_Decode(rc));
}

// TPM_Init then TPM2_Startup(CLEAR) at `locality` on the swtpm at `conf` ("host=...,port=...").
void power_cycle_swtpm(const std::string& conf, std::uint8_t locality) {
  std::size_t size = 0;
  check(Tss2_Tcti_Swtpm_Init(nullptr, &size, nullptr), "swtpm TCTI size");
  std::vector<std::uint64_t> mem((size + 7) / 8);  // aligned storage for the TCTI context
  auto* tcti = reinterpret_cast<TSS2_TCTI_CONTEXT*>(mem.data());
  check(Tss2_Tcti_Swtpm_Init(tcti, &size, conf.c_str()), "swtpm \"" + conf + "\"");
  struct Fin {
    TSS2_TCTI_CONTEXT* t;
    ESYS_CONTEXT* e = nullptr;
    ~Fin() {
      if (e) Esys_Finalize(&e);
      Tss2_Tcti_Finalize(t);
    }
  } fin{tcti};
  check(Tss2_Tcti_Swtpm_Reset(tcti), "TPM_Init of swtpm \"" + conf + "\" (its control channel is the port after the TPM's)");
  check(Tss2_Tcti_SetLocality(tcti, locality), "set locality " + std::to_string(locality));
  check(Esys_Initialize(&fin.e, tcti, nullptr), "ESAPI on swtpm");
  check(Esys_Startup(fin.e, TPM2_SU_CLEAR), "TPM2_Startup(CLEAR) at locality " + std::to_string(locality));
  check(Tss2_Tcti_SetLocality(tcti, 0), "set locality 0");
}

}  // namespace

std::size_t boot_tpm_from_tree(const std::string& tcti, const std::filesystem::path& root) {
  constexpr const char* kBiosLog = "sys/kernel/security/tpm0/binary_bios_measurements";
  std::ifstream in(root / kBiosLog, std::ios::binary);
  if (!in) throw core::InputError::in((root / kBiosLog).string(), "cannot open");
  const auto log = parse_event_log(Bytes(std::istreambuf_iterator<char>(in), {}), kBiosLog);
  const std::string prefix = "swtpm:";
  if (tcti.rfind(prefix, 0) == 0) {
    power_cycle_swtpm(tcti.substr(prefix.size()), log.pcr0_initial_locality());
  } else if (log.pcr0_initial_locality() != 0) {
    throw std::runtime_error("the tree's event log starts PCR 0 at locality " + std::to_string(log.pcr0_initial_locality()) +
                             "; only a swtpm TCTI (swtpm:host=...,port=...) can be started from it here");
  }
  Tpm tpm(tcti);
  return extend_tpm_from_tree(tpm, root);
}

}  // namespace sg::attest
