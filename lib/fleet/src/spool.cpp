#include "spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "input_util.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::fleet {
namespace {

// An fd with an exclusive flock, so two ingests cannot interleave writes or replay twice.
class LockedFile {
 public:
  LockedFile(const std::string& path, int flags) {
    fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("spool " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw std::runtime_error("spool " + path + ": cannot lock: " + std::strerror(errno));
    }
  }
  ~LockedFile() { ::close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

core::Json host_json(const HostInfo& h) {
  core::Json j = core::Json::object();
  j["host"] = h.host;
  j["model"] = h.model;
  j["batch"] = h.batch;
  j["addresses"] = h.addresses;
  return j;
}

HostInfo host_from(const core::Json& j, const std::string& source, std::uint64_t line) {
  if (!j.is_object()) throw core::InputError::at_line(source, line, "spooled host is not an object");
  try {
    HostInfo h;
    h.host = j.at("host").get<std::string>();
    h.model = j.at("model").get<std::string>();
    h.batch = j.at("batch").get<std::string>();
    h.addresses = j.at("addresses").get<std::vector<std::string>>();
    return h;
  } catch (const core::Json::exception& e) {
    throw core::InputError::at_line(source, line, std::string("spooled host: ") + e.what());
  }
}

}  // namespace

void spool_append(const std::string& path, const std::vector<IngestBatch>& batches) {
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  std::string out;
  for (const auto& b : batches) {
    // One header line per batch keeps its source and its snapshot count for the replay.
    core::Json head = core::Json::object();
    head["spool"] = "batch";
    head["source"] = b.source;
    head["snapshots"] = b.snapshots;
    out += head.dump(-1, ' ', false, core::Json::error_handler_t::replace) + "\n";
    for (const auto& h : b.inventory_hosts) out += core::Json{{"spool", "inventory"}, {"host", host_json(h)}}.dump() + "\n";
    for (const auto& h : b.snapshot_hosts) out += core::Json{{"spool", "snapshot"}, {"host", host_json(h)}}.dump() + "\n";
    for (const auto& f : b.findings) out += core::to_json_line(f) + "\n";
  }
  LockedFile file(path, O_WRONLY | O_CREAT | O_APPEND);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(file.fd(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("spool " + path + ": write: " + std::strerror(errno));
    }
    done += std::size_t(n);
  }
  if (::fsync(file.fd()) != 0) throw std::runtime_error("spool " + path + ": fsync: " + std::strerror(errno));
}

std::vector<IngestBatch> spool_parse(std::string_view text, const std::string& source) {
  std::vector<IngestBatch> out;
  std::uint64_t line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = core::Json::parse(l.begin(), l.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw core::InputError::at_line(source, line, "spool line is not a JSON object (truncated write?)");
    auto kind = j.find("spool");
    if (kind != j.end()) {
      if (!kind->is_string()) throw core::InputError::at_line(source, line, "\"spool\" is not a string");
      const std::string k = kind->get<std::string>();
      if (k == "batch") {
        IngestBatch b;
        auto src = j.find("source");
        b.source = (src != j.end() && src->is_string()) ? src->get<std::string>() : source;
        auto n = j.find("snapshots");
        if (n != j.end() && n->is_number_unsigned()) b.snapshots = n->get<std::size_t>();
        out.push_back(std::move(b));
        continue;
      }
      if (out.empty()) throw core::InputError::at_line(source, line, "spooled record before any batch header");
      if (k == "inventory")
        out.back().inventory_hosts.push_back(host_from(j.value("host", core::Json()), source, line));
      else if (k == "snapshot")
        out.back().snapshot_hosts.push_back(host_from(j.value("host", core::Json()), source, line));
      else
        throw core::InputError::at_line(source, line, "unknown spool record \"" + k + "\"");
      continue;
    }
    if (out.empty()) throw core::InputError::at_line(source, line, "spooled finding before any batch header");
    out.back().findings.push_back(core::finding_from_json(j, source, line));
  }
  return out;
}

std::vector<IngestBatch> spool_read(const std::string& path) {
  if (!std::filesystem::exists(path)) return {};
  return spool_parse(read_file(path), path);
}

std::size_t spool_replay(const std::string& path, const std::function<void(const std::vector<IngestBatch>&)>& store) {
  if (!std::filesystem::exists(path)) return 0;
  LockedFile file(path, O_RDWR);
  auto batches = spool_parse(read_file(path), path);
  if (batches.empty()) return 0;
  store(batches);
  if (::ftruncate(file.fd(), 0) != 0) throw std::runtime_error("spool " + path + ": truncate: " + std::strerror(errno));
  ::fsync(file.fd());
  return batches.size();
}

}  // namespace sg::fleet
