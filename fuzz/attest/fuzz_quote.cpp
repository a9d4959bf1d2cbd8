// Any byte string as a quote to verify: [u16 attest length][TPMS_ATTEST][u16 signature length]
// [TPMT_SIGNATURE][TPM2B_PUBLIC of the AK]. Unmarshalling (libtss2-mu) and OpenSSL verification
// must refuse hostile structures with a reason, never crash. The whole input is also read as the
// content of an EK certificate NV index (PTP header, DER X.509 by OpenSSL, padding) and checked
// against the AK part as if it were the EK; the quote's clockInfo goes through compare_clock.
#include <cstdint>
#include <cstdlib>
#include <map>

#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sg::attest;
  // libtss2-mu logs every refused structure ("ERROR:marshal:... too big") to stderr; the refusal
  // itself is what we check, and the printing was a large share of each input's time. Set before
  // the first tss2 call (tss2 reads TSS2_LOG once); an explicit TSS2_LOG from the caller wins.
  static const bool quiet = setenv("TSS2_LOG", "all+NONE", 0) == 0;
  (void)quiet;
  const Bytes whole(data, data + size);
  try {
    const Bytes der = ek_certificate_der(whole, "fuzz");
    if (der.size() > whole.size()) __builtin_trap();
  } catch (const sg::core::InputError&) {
  }
  std::size_t p = 0;
  auto take = [&](Bytes& out) {
    if (size - p < 2) return false;
    const std::size_t n = std::size_t(data[p]) << 8 | data[p + 1];
    p += 2;
    if (n > size - p) return false;
    out.assign(data + p, data + p + n);
    p += n;
    return true;
  };
  Bytes attest, sig;
  if (!take(attest) || !take(sig)) return 0;
  const Bytes ak(data + p, data + size);
  (void)tpm_name(ak);
  (void)ak_policy_problem(ak);
  std::map<std::uint32_t, Bytes> values;
  for (std::uint32_t i = 0; i <= 10; ++i) values[i] = Bytes(32, 0);
  QuoteParts parts;
  (void)verify_quote_signature(attest, sig, ak, values, parts);
  const ClockInfo before{1000, 3, 1, true};
  (void)compare_clock(before, parts.clock);
  (void)compare_clock(parts.clock, before);
  return 0;
}
