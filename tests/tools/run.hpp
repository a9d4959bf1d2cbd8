#pragma once
// Runs a command line through /bin/sh and captures exit code, stdout and stderr, for tests that
// drive the real binaries the way a user (or a pipeline) would.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace sg::test {

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline RunResult run(const std::string& cmdline) {
  char tmpl[] = "/tmp/sg-run-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string out = dir + "/out", err = dir + "/err";
  const std::string full = cmdline + " >" + out + " 2>" + err;
  const int st = std::system(full.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir.c_str());
  return r;
}

inline std::string supplyguard() { return std::string(SG_BINARY_DIR) + "/tools/supplyguard/supplyguard"; }
inline std::string supplyguard_gen() {
  return std::string(SG_BINARY_DIR) + "/tools/supplyguard-gen/supplyguard-gen";
}

}  // namespace sg::test
