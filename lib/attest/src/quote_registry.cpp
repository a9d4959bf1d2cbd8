// The AK registry: one JSON file per enrolled host, written by `supplyguard enroll`, read by
// `verify --ak-registry`. It is the verifier's root of trust for quotes: keep it with the baselines.
#include <fstream>

#include "registry_files.hpp"

namespace sg::attest {

namespace {
constexpr const char* kAkSchema = "supplyguard.ak/1";

Bytes hex_field(const detail::JsonIn<nlohmann::json>& in, const char* key) {
  auto b = from_hex(in.str(key));
  if (!b) in.fail(std::string(key) + " is not hex");
  return *b;
}
}  // namespace

nlohmann::ordered_json clock_to_json(const ClockInfo& c) {
  return {{"clock", c.clock}, {"reset_count", c.reset_count}, {"restart_count", c.restart_count}, {"safe", c.safe}};
}

ClockInfo clock_from_json(const detail::JsonIn<nlohmann::json>& in) {
  ClockInfo c;
  c.clock = in.uint("clock");
  const auto counter = [&](const char* key) {
    const auto v = in.uint(key);
    if (v > 0xffffffffu) in.fail(std::string(key) + " is above 2^32-1 (a TPM counter is 32 bits)");
    return std::uint32_t(v);
  };
  c.reset_count = counter("reset_count");
  c.restart_count = counter("restart_count");
  c.safe = in.boolean("safe");
  return c;
}

AkRegistry AkRegistry::load(const std::filesystem::path& dir) {
  AkRegistry r;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return r;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    const std::string src = e.path().string();
    const auto j = detail::parse_json_text<nlohmann::json>(detail::read_whole_file(src), src);
    detail::JsonIn<nlohmann::json> in(j, "", src);
    if (in.str("schema") != kAkSchema) in.fail("schema is not \"" + std::string(kAkSchema) + "\"");
    AkRecord rec;
    rec.host = in.str("host");
    rec.ek_public = hex_field(in, "ek_public");
    rec.ak_public = hex_field(in, "ak_public");
    rec.ak_name = hex_field(in, "ak_name");
    rec.enrolled_at = in.str("enrolled_at", false);
    rec.ek_certificate = in.str("ek_certificate", false);
    if (in.find("clock")) rec.clock = clock_from_json(in.object("clock"));
    // The name is derived from the public area, never trusted as written.
    if (tpm_name(rec.ak_public) != rec.ak_name) in.fail("ak_name is not the name of ak_public");
    if (auto why = ak_policy_problem(rec.ak_public); !why.empty()) in.fail(why);
    r.records_[rec.host] = std::move(rec);
  }
  if (ec) throw core::InputError::in(dir.string(), ec.message());
  return r;
}

const AkRecord* AkRegistry::find(const std::string& host) const {
  auto it = records_.find(host);
  return it == records_.end() ? nullptr : &it->second;
}

void AkRegistry::store(const std::filesystem::path& dir, const AkRecord& rec) {
  if (rec.host.empty() || rec.host.find('/') != std::string::npos || rec.host[0] == '.')
    throw core::InputError::in(rec.host, "host name cannot name a registry file");
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json j = {{"schema", kAkSchema},
                              {"host", rec.host},
                              {"ek_public", to_hex(rec.ek_public)},
                              {"ak_public", to_hex(rec.ak_public)},
                              {"ak_name", to_hex(rec.ak_name)},
                              {"enrolled_at", rec.enrolled_at},
                              {"ek_certificate", rec.ek_certificate}};
  if (rec.clock) j["clock"] = clock_to_json(*rec.clock);
  write_json_file(dir / (rec.host + ".json"), j);
}

void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& j) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) throw std::runtime_error(tmp + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace sg::attest
