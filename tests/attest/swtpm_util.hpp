#pragma once
// A throwaway software TPM (Debian swtpm) on a free loopback port, for tests without hardware.
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "supplyguard/core/finding.hpp"
#include "tree_util.hpp"

extern char** environ;

namespace sg::test {

// "type(subject) ..." of a list of findings, for assertion messages.
inline std::string finding_types(const std::vector<core::Finding>& fs) {
  std::string t;
  for (const auto& f : fs) t += f.type + "(" + f.subject + ") ";
  return t;
}

struct SwTpmOptions {
  // Manufacture the TPM first with swtpm_setup and swtpm_localca (its own CA under state/ca): an
  // RSA 2048 EK certificate in NV 0x01c00002 and an ECC P-384 one in 0x01c00016, issued by the
  // intermediate ca/issuercert.pem of the root ca/swtpm-localca-rootca-cert.pem.
  bool ek_certificates = false;
  // --flags startup-clear: swtpm sends TPM2_Startup(CLEAR) itself. Off: the TPM waits for a
  // TPM_Init and a Startup from the client (as after a reboot).
  bool startup = true;
};

class SwTpm {
 public:
  explicit SwTpm(SwTpmOptions o = {}) : opts_(o) {
    if (access("/usr/bin/swtpm", X_OK) != 0) {
      why_ = "/usr/bin/swtpm is not installed (make deps installs swtpm)";
      return;
    }
    std::filesystem::create_directories(state_.path / "state");
    if (o.ek_certificates && !manufacture()) return;
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) start();
  }
  ~SwTpm() { stop(); }
  // Stops the TPM process (its state stays in state_dir()); restart() brings it back on the same port.
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  bool restart() {
    stop();
    start(port_);
    return running();
  }
  bool running() const { return pid_ > 0; }
  const std::string& why() const { return why_; }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }
  int ctrl_port() const { return port_ + 1; }
  std::filesystem::path state_dir() const { return state_.path / "state"; }
  std::filesystem::path ca_dir() const { return state_.path / "ca"; }

 private:
  static int free_port_pair() {
    // A port the kernel hands out, with the next one (the control channel) also free.
    for (int i = 0; i < 20; ++i) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof a;
      bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
      close(s);
      const int p = ntohs(a.sin_port);
      if (p < 65000) return p;
    }
    return 0;
  }
  static bool can_connect(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(std::uint16_t(port));
    const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    return ok;
  }
  bool manufacture() {
    const auto& d = state_.path;
    std::filesystem::create_directories(d / "ca");
    std::ofstream(d / "localca.conf") << "statedir = " << (d / "ca").string() << "\nsigningkey = " << (d / "ca/signkey.pem").string()
                                      << "\nissuercert = " << (d / "ca/issuercert.pem").string()
                                      << "\ncertserial = " << (d / "ca/certserial").string() << "\n";
    std::ofstream(d / "localca.options") << "--platform-manufacturer supplyguard-test\n--platform-version 2.1\n--platform-model swtpm\n";
    std::ofstream(d / "setup.conf") << "create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = "
                                    << (d / "localca.conf").string() << "\ncreate_certs_tool_options = "
                                    << (d / "localca.options").string() << "\nactive_pcr_banks = sha1,sha256\n";
    const std::string cmd = "swtpm_setup --tpm2 --tpmstate " + state_dir().string() + " --config " + (d / "setup.conf").string() +
                            " --create-ek-cert --write-ek-cert-files " + d.string() + " > " + (d / "setup.log").string() + " 2>&1";
    if (access("/usr/bin/swtpm_setup", X_OK) != 0) {
      why_ = "/usr/bin/swtpm_setup is not installed (make deps installs swtpm-tools)";
      return false;
    }
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream log(d / "setup.log");
      why_ = "swtpm_setup failed: " + std::string(std::istreambuf_iterator<char>(log), {});
      return false;
    }
    return true;
  }
  void start(int port = 0) {
    port_ = port ? port : free_port_pair();
    const std::string server = "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1";
    const std::string ctrl = "type=tcp,port=" + std::to_string(port_ + 1) + ",bindaddr=127.0.0.1";
    const std::string state = "dir=" + state_dir().string();
    std::vector<std::string> args = {"swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl, "--tpmstate", state};
    if (opts_.startup) args.insert(args.end(), {"--flags", "startup-clear"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/usr/bin/swtpm", nullptr, nullptr, argv.data(), environ) != 0) {
      why_ = "cannot spawn swtpm";
      return;
    }
    for (int i = 0; i < 100; ++i) {  // up to 5 s for it to listen
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        why_ = "swtpm exited at start (status " + std::to_string(st) + ")";
        return;
      }
      if (can_connect(port_)) {
        pid_ = pid;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    why_ = "swtpm did not listen within 5 s";
  }
  SwTpmOptions opts_;
  TempDir state_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string why_;
};

}  // namespace sg::test
