// The `ima` and `quote` snapshot sections. IMA entries are stored as the kernel hashed them
// (template data in hex) with the readable path and digest beside them; on reading, path and
// digest are decoded again from the template data, so what a verifier shows is what was hashed.
#include "quote_json.hpp"

#include "json_in.hpp"

namespace sg::attest::detail {

Json ima_to_json(const ImaEvidence& e) {
  Json entries = Json::array();
  for (const auto& x : e.list.entries)
    entries.push_back({{"pcr", x.pcr},
                       {"template_hash", to_hex(x.template_hash)},
                       {"template", x.template_name},
                       // Readable copies of what `data` holds: a Linux file name (and the digest
                       // field's algorithm name) is bytes, not necessarily UTF-8, so bytes that are
                       // not UTF-8 are written \xNN (the raw string made dump() throw; found by
                       // fuzz_attest_json). Reading decodes both again from `data`.
                       {"path", to_valid_utf8(x.path)},
                       {"file_digest", to_valid_utf8(x.file_alg) + ":" + to_hex(x.file_digest)},
                       {"data", to_hex(x.template_data)}});
  return {{"present", e.present}, {"source", e.source}, {"trailing_bytes", e.list.trailing_bytes}, {"entries", std::move(entries)}};
}

Json quote_to_json(const QuoteEvidence& q) {
  Json values = Json::object();
  for (const auto& [pcr, hex] : q.pcr_values) values[std::to_string(pcr)] = hex;
  return {{"nonce", q.nonce}, {"pcr_alg", q.pcr_alg},     {"pcrs", q.pcrs},         {"pcr_values", std::move(values)},
          {"attest", q.attest}, {"signature", q.signature}, {"ak_name", q.ak_name}, {"error", q.error}};
}

template <class J>
ImaEvidence ima_from_json(const J& j, const std::string& path, const std::string& source) {
  JsonIn<J> in(j, path, source);
  ImaEvidence e;
  e.present = in.boolean("present");
  e.source = in.str("source", false);
  e.list.trailing_bytes = in.uint("trailing_bytes", false);
  const auto& entries = in.array("entries", false);
  if (entries.size() > kImaMaxEntries) in.fail("more than " + std::to_string(kImaMaxEntries) + " entries");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto x = in.element(entries[i], i, "entries");
    const auto pcr = x.uint("pcr");
    if (pcr > 63) x.fail("pcr is not 0-63");
    auto th = from_hex(x.str("template_hash"));
    auto data = from_hex(x.str("data"));
    if (!th || !data) x.fail("template_hash and data must be hex");
    try {
      e.list.entries.push_back(ima_entry_from_parts(std::uint32_t(pcr), *th, x.str("template"), *data, source));
    } catch (const core::InputError& err) {
      x.fail(err.reason());
    }
  }
  return e;
}

template <class J>
QuoteEvidence quote_from_json(const J& j, const std::string& path, const std::string& source) {
  JsonIn<J> in(j, path, source);
  QuoteEvidence q;
  q.nonce = in.str("nonce");
  q.pcr_alg = in.str("pcr_alg");
  const auto& pcrs = in.array("pcrs");
  for (std::size_t i = 0; i < pcrs.size(); ++i) {
    if (!pcrs[i].is_number_unsigned() || pcrs[i].template get<std::uint64_t>() > 23) in.fail("pcrs[" + std::to_string(i) + "] is not 0-23");
    q.pcrs.push_back(pcrs[i].template get<std::uint32_t>());
    if (i && q.pcrs[i] <= q.pcrs[i - 1]) in.fail("pcrs are not ascending");
  }
  std::map<std::string, std::string> values;
  in.string_map("pcr_values", values);
  for (const auto& [k, v] : values) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(k.c_str(), &end, 10);
    if (k.empty() || *end || n > 23) in.fail("pcr_values: \"" + k + "\" is not a PCR 0-23");
    q.pcr_values[std::uint32_t(n)] = v;
  }
  q.attest = in.str("attest");
  q.signature = in.str("signature");
  q.ak_name = in.str("ak_name");
  q.error = in.str("error", false);
  return q;
}

template ImaEvidence ima_from_json<nlohmann::json>(const nlohmann::json&, const std::string&, const std::string&);
template ImaEvidence ima_from_json<nlohmann::ordered_json>(const nlohmann::ordered_json&, const std::string&, const std::string&);
template QuoteEvidence quote_from_json<nlohmann::json>(const nlohmann::json&, const std::string&, const std::string&);
template QuoteEvidence quote_from_json<nlohmann::ordered_json>(const nlohmann::ordered_json&, const std::string&, const std::string&);

}  // namespace sg::attest::detail
