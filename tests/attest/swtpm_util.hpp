#pragma once
// A throwaway software TPM (Debian swtpm) on a free loopback port, for tests without hardware.
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tree_util.hpp"

extern char** environ;

namespace sg::test {

class SwTpm {
 public:
  SwTpm() {
    if (access("/usr/bin/swtpm", X_OK) != 0) {
      why_ = "/usr/bin/swtpm is not installed (make deps installs swtpm)";
      return;
    }
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) start();
  }
  ~SwTpm() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }
  bool running() const { return pid_ > 0; }
  const std::string& why() const { return why_; }
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

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
  void start() {
    port_ = free_port_pair();
    const std::string server = "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1";
    const std::string ctrl = "type=tcp,port=" + std::to_string(port_ + 1) + ",bindaddr=127.0.0.1";
    const std::string state = "dir=" + state_.str();
    std::vector<std::string> args = {"swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl,
                                     "--tpmstate", state, "--flags", "startup-clear"};
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
  TempDir state_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string why_;
};

}  // namespace sg::test
