// serve_fixture: serves the hand-built fixture view (fixture_view.cpp) like `supplyguard serve`
// would serve a store, for the browser test. Usage: serve_fixture PORT TOKEN [--exit-on-eof]
// (PORT 0 picks a free one). Prints "listening http://127.0.0.1:PORT/" on stdout once it accepts
// connections; stops on SIGINT/SIGTERM, and with --exit-on-eof also when stdin closes (so a
// crashed test driver holding the pipe cannot leave it behind).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "fixture_view.hpp"

int main(int argc, char** argv) {
  const bool exit_on_eof = argc == 4 && std::string(argv[3]) == "--exit-on-eof";
  if (argc != 3 && !exit_on_eof) {
    std::cerr << "usage: serve_fixture PORT TOKEN [--exit-on-eof]\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by the server threads
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    sg::fleet::stop_serving();
  }).detach();
  if (exit_on_eof)
    std::thread([] {
      char buf[256];
      while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
      }
      sg::fleet::stop_serving();
    }).detach();

  sg::fleet::ServeOptions o;
  o.listen = std::string("127.0.0.1:") + argv[1];
  o.token = argv[2];
  o.load = [] { return sg::fleet::testing::fixture_view(); };
  o.log = [](const std::string& line) { std::cerr << line << "\n"; };
  o.ready = [](const std::string& at) { std::cout << "listening http://" << at << "/" << std::endl; };
  try {
    sg::fleet::serve(o);
  } catch (const std::exception& e) {
    std::cerr << "serve_fixture: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
