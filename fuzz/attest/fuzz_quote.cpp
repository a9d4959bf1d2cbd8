// Any byte string as a quote to verify: [u16 attest length][TPMS_ATTEST][u16 signature length]
// [TPMT_SIGNATURE][TPM2B_PUBLIC of the AK]. Unmarshalling (libtss2-mu) and OpenSSL verification
// must refuse hostile structures with a reason, never crash.
#include <cstdint>
#include <map>

#include "supplyguard/attest/quote.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sg::attest;
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
  return 0;
}
