// Real sockets for the live sensor test (live_sensor.sh), run inside the test's own network
// namespace: it binds every address it uses itself, all in 127.0.0.0/8, and sends nothing
// anywhere else.
//
//   live_traffic CALLS PERIOD_S
//     a "C2" listener on 127.9.9.9:8443 and a "BMC C2" listener on 127.9.9.10:443;
//     CALLS beacon connections from 127.1.0.5 to 127.9.9.9:8443, one every PERIOD_S seconds
//     (request 200 bytes, answer 900 bytes), and after the first and the third beacon call a
//     connection from the BMC address 127.99.0.5 to 127.9.9.10:443.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

sockaddr_in addr(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(std::uint16_t(port));
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    std::fprintf(stderr, "live_traffic: bad address %s\n", ip);
    std::exit(2);
  }
  return a;
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

int listener(const char* ip, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = addr(ip, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind listener");
  if (listen(fd, 16) != 0) die("listen");
  return fd;
}

// Answers each connection: reads the request, writes 900 bytes, closes.
void serve(int fd) {
  for (;;) {
    const int c = accept(fd, nullptr, nullptr);
    if (c < 0) return;
    char buf[2048];
    (void)!read(c, buf, sizeof buf);
    std::string answer(900, 'r');
    (void)!write(c, answer.data(), answer.size());
    shutdown(c, SHUT_WR);
    while (read(c, buf, sizeof buf) > 0) {
    }
    close(c);
  }
}

void call(const char* src, const char* dst, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in s = addr(src, 0), d = addr(dst, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s) != 0) die("bind source");
  if (connect(fd, reinterpret_cast<sockaddr*>(&d), sizeof d) != 0) die("connect");
  std::string request(200, 'q');
  (void)!write(fd, request.data(), request.size());
  shutdown(fd, SHUT_WR);
  char buf[2048];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: live_traffic CALLS PERIOD_S\n");
    return 2;
  }
  const int calls = std::atoi(argv[1]);
  const double period = std::atof(argv[2]);
  const int c2 = listener("127.9.9.9", 8443), bmc_c2 = listener("127.9.9.10", 443);
  std::thread(serve, c2).detach();
  std::thread(serve, bmc_c2).detach();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::duration<double>(period * i));
    call("127.1.0.5", "127.9.9.9", 8443);
    if (i == 0 || i == 2) call("127.99.0.5", "127.9.9.10", 443);
    std::printf("call %d\n", i + 1);
    std::fflush(stdout);
  }
  return 0;
}
