// The dashboard server over loopback: token on every request, headers, routes, API filters,
// hostile paths. One server per test process (serve() is process-wide), started on a free port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fixture_view.hpp"
#include "html_check.hpp"
#include "supplyguard/core/error.hpp"
#include "web/escape.hpp"

namespace sg::fleet {
namespace {

using nlohmann::json;
constexpr const char* kToken = "t0ken-for-tests";

class Server : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::promise<std::string> bound;
    auto ready = bound.get_future();
    thread_ = std::thread([p = std::move(bound)]() mutable {
      ServeOptions o;
      o.listen = "127.0.0.1:0";
      o.token = kToken;
      o.load = [] { return testing::fixture_view(); };
      o.log = [](const std::string& line) {
        std::lock_guard lock(log_mu_);
        log_ += line + "\n";
      };
      o.ready = [&p](const std::string& at) { p.set_value(at); };
      serve(o);
    });
    ASSERT_EQ(ready.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const std::string at = ready.get();
    port_ = std::stoi(at.substr(at.rfind(':') + 1));
  }
  static void TearDownTestSuite() {
    stop_serving();
    if (thread_.joinable()) thread_.join();
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_url_encode(false);  // send paths exactly as the tests write them
    return c;
  }
  static httplib::Headers auth() { return {{"Authorization", std::string("Bearer ") + kToken}}; }
  static httplib::Result get(const std::string& path) { return client().Get(path, auth()); }
  static json get_json(const std::string& path, int expect = 200) {
    auto r = get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    return json::parse(r->body);
  }
  // Sends bytes as they are and returns everything the server answers (until it closes).
  static std::string raw_request(const std::string& bytes) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return out;
  }
  static std::string log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  static inline std::thread thread_;
  static inline int port_ = 0;
  static inline std::mutex log_mu_;
  static inline std::string log_;
};

TEST_F(Server, EveryRouteNeedsTheToken) {
  for (const char* path : {"/", "/host/smx-b17-01", "/api/hosts", "/api/hosts/smx-b17-01", "/api/findings",
                           "/api/correlations", "/static/app.js", "/static/app.css", "/nope"}) {
    auto r = client().Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"supplyguard\"");
    EXPECT_EQ(r->body.find("smx-"), std::string::npos) << "data leaked on " << path;
    auto wrong = client().Get(path, {{"Authorization", "Bearer wrong"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401) << path;
    auto ok = get(path);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, std::string(path) == "/nope" ? 404 : 200) << path;
  }
  EXPECT_EQ(client().Get("/", {{"Authorization", std::string("Basic ") + kToken}})->status, 401);
  EXPECT_EQ(client().Get("/", {{"Cookie", "sg_session=0000"}})->status, 401);
  EXPECT_EQ(client().Get("/", {{"Cookie", std::string("sg_session=") + kToken}})->status, 401);
}

TEST_F(Server, HealthzIsOpenAndSaysNothing) {
  auto r = client().Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(Server, QueryTokenSetsAStrictHttpOnlyCookieAndRedirects) {
  auto r = client().Get(std::string("/?token=") + kToken);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(r->get_header_value("Location"), "/");
  const std::string cookie = r->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find(kToken), std::string::npos);  // the cookie is not the token itself
  const std::string pair = cookie.substr(0, cookie.find(';'));
  auto page = client().Get("/", {{"Cookie", pair}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("smx-b17-01"), std::string::npos);

  // The host page keeps its (re-encoded) path across the redirect.
  auto host = client().Get(std::string("/host/rack%2F..%2F..%2Fetc%2Fpasswd?token=") + kToken);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->status, 303);
  // httplib's client decodes Location; read the raw header off the wire.
  const std::string raw = raw_request("GET /host/rack%2F..%2F..%2Fetc%2Fpasswd?token=" + std::string(kToken) +
                                      " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("\r\nLocation: /host/rack%2F..%2F..%2Fetc%2Fpasswd\r\n"), std::string::npos) << raw;

  EXPECT_EQ(client().Get("/?token=wrong")->status, 401);
  // Two different tokens: ambiguous, refused (httplib folds identical repeats into one).
  EXPECT_EQ(client().Get(std::string("/?token=") + kToken + "&token=wrong")->status, 401);
  // The API answers a query token directly (no cookie dance for scripts).
  EXPECT_EQ(client().Get(std::string("/api/hosts?token=") + kToken)->status, 200);
}

TEST_F(Server, SecurityHeadersOnEveryResponse) {
  std::vector<httplib::Result> all;
  all.push_back(get("/"));
  all.push_back(get("/api/hosts"));
  all.push_back(get("/static/app.js"));
  all.push_back(get("/host/nope"));
  all.push_back(client().Get("/"));
  all.push_back(client().Get("/healthz"));
  for (const auto& r : all) {
    ASSERT_TRUE(r);
    const std::string csp = r->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << r->status;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
    EXPECT_NE(csp.find("style-src 'self'"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  }
  auto pre = client().Options("/api/hosts", {{"Origin", "http://evil.example"},
                                             {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(pre);
  EXPECT_FALSE(pre->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(client().Post("/api/hosts", auth(), "", "text/plain")->status, 405);
}

TEST_F(Server, DashboardListsHostsWithVerdicts) {
  auto r = get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string& page = r->body;
  EXPECT_EQ(testing::count(page, "<tr><td><a href=\"/host/"), 20u);
  EXPECT_NE(page.find("<a href=\"/host/smx-b17-01\">smx-b17-01</a>"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"/host/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E\">"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"/host/rack%2F..%2F..%2Fetc%2Fpasswd\">"), std::string::npos);
  EXPECT_NE(page.find("id=\"host-filter\""), std::string::npos);
  EXPECT_NE(page.find("<script src=\"/static/app.js\" defer></script>"), std::string::npos);
  EXPECT_EQ(testing::count(page, "<script"), 1u);
  for (const auto& a : testing::attribute_names(page)) EXPECT_NE(a.rfind("on", 0), 0u) << a;
  EXPECT_EQ(page.find("<img"), std::string::npos);
}

TEST_F(Server, HostPageShowsItsFindings) {
  auto r = get("/host/smx-b17-03");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("verdict-compromised"), std::string::npos);
  EXPECT_NE(r->body.find("component_added"), std::string::npos);
  EXPECT_NE(r->body.find("10.20.17.103 -&gt; 203.0.113.66:443/tcp"), std::string::npos);
  EXPECT_EQ(r->body.find("smx-b17-04"), std::string::npos);  // another host's findings stay off

  auto hostile = get("/host/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E");
  ASSERT_TRUE(hostile);
  EXPECT_EQ(hostile->status, 200);
  EXPECT_EQ(hostile->body.find("<img"), std::string::npos);
  EXPECT_NE(hostile->body.find("<h1 id=\"host-name\">&lt;img src=x onerror=alert(1)&gt;</h1>"), std::string::npos);
  EXPECT_EQ(testing::count(hostile->body, "<script"), 1u);
}

TEST_F(Server, UnknownAndTraversalPathsAre404) {
  for (const char* path : {"/host/nope", "/host/..%2F..%2Fetc%2Fpasswd", "/host/../../etc/passwd",
                           "/static/../../../etc/passwd", "/static/app.js/../../x", "/api/hosts/nope",
                           "/api/hosts/%00", "/host/%0d%0aSet-Cookie:%20x=1", "/api/nope", "//etc/passwd"}) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_FALSE(r->has_header("x")) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos);
  }
  // A host that really is called "rack/../../etc/passwd" is found by its encoded name.
  auto j = get_json("/api/hosts/rack%2F..%2F..%2Fetc%2Fpasswd");
  EXPECT_EQ(j["host"], testing::kTraversalHost);
  EXPECT_EQ(get_json("/api/hosts/nope", 404)["error"], "unknown host");
}

TEST_F(Server, ApiHostsAndHostDetail) {
  auto j = get_json("/api/hosts");
  ASSERT_EQ(j["count"], 20);
  ASSERT_EQ(j["hosts"].size(), 20u);
  EXPECT_EQ(j["hosts"][0]["host"], "smx-b17-01");
  EXPECT_EQ(j["hosts"][0]["verdict"], "compromised");
  EXPECT_EQ(j["hosts"][0]["worst"], "critical");
  std::size_t compromised = 0;
  for (const auto& h : j["hosts"]) compromised += h["verdict"] == "compromised";
  EXPECT_EQ(compromised, 6u);

  auto d = get_json("/api/hosts/smx-b17-02");
  EXPECT_EQ(d["model"], "SMX-2200");
  EXPECT_EQ(d["batch"], "B17");
  ASSERT_EQ(d["finding_list"].size(), 2u);
  EXPECT_EQ(d["finding_list"][0]["type"], "component_added");
  EXPECT_EQ(d["finding_list"][1]["dst"], testing::kC2);
  EXPECT_EQ(d["addresses"][1], "10.20.17.102");

  auto h = get_json("/api/hosts/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E");
  EXPECT_EQ(h["host"], testing::kHostileHost);
  EXPECT_EQ(h["model"], testing::kHostileModel);
  // Invalid UTF-8 in a finding comes out as U+FFFD, not as an error.
  bool replaced = false;
  for (const auto& f : h["finding_list"])
    replaced |= f["subject"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos;
  EXPECT_TRUE(replaced);
}

TEST_F(Server, ApiFindingsFilters) {
  EXPECT_EQ(get_json("/api/findings?host=r740-03")["count"], 1);
  EXPECT_EQ(get_json("/api/findings?plane=attest&min_severity=critical")["count"], 6);
  EXPECT_EQ(get_json("/api/findings?plane=ATTEST&min_severity=CRITICAL")["count"], 6);
  EXPECT_EQ(get_json("/api/findings?type=beacon&model=SMX-2200")["count"], 6);
  EXPECT_EQ(get_json("/api/findings?model=SMX-2200")["count"], 16);
  EXPECT_EQ(get_json("/api/findings?limit=3")["findings"].size(), 3u);
  EXPECT_EQ(get_json("/api/findings?limit=0")["count"], 0);
  auto all = get_json("/api/findings");
  EXPECT_EQ(all["limit"], 1000);
  EXPECT_EQ(all["count"], testing::fixture_view().findings.size());
  // The host filter takes the decoded name.
  EXPECT_EQ(get_json("/api/findings?host=%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E")["count"], 2);
}

TEST_F(Server, ApiFindingsRejectsBadParameters) {
  for (const char* q : {"min_severity=bogus", "limit=-1", "limit=abc", "limit=", "limit=100001",
                        "limit=99999999999999999999999", "plane=kernel", "hsot=x", "host=a&host=b"}) {
    auto j = get_json(std::string("/api/findings?") + q, 400);
    EXPECT_TRUE(j.contains("error")) << q;
  }
}

TEST_F(Server, ApiCorrelationsNameTheirHosts) {
  auto j = get_json("/api/correlations");
  ASSERT_EQ(j["count"], 3);
  EXPECT_EQ(j["correlations"][0]["type"], "shared_destination");
  EXPECT_EQ(j["correlations"][0]["model"], "SMX-2200");
  EXPECT_EQ(j["correlations"][0]["hosts"].size(), 6u);
  EXPECT_EQ(j["correlations"][1]["type"], "shared_component_change");
}

TEST_F(Server, AccessLogHasRequestsButNeverTheToken) {
  get("/api/hosts");
  client().Get(std::string("/?token=") + kToken);
  client().Get("/host/%0d%0aFAKE");
  // httplib logs after the response is written, each request on its own worker thread: the
  // lines can land late and out of order, so wait for all three.
  auto all_logged = [](const std::string& s) {
    return s.find("FAKE") != std::string::npos && s.find(" GET / 303 ") != std::string::npos &&
           s.find(" GET /api/hosts 200 ") != std::string::npos;
  };
  std::string l = log();
  for (int i = 0; i < 500 && !all_logged(l); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    l = log();
  }
  EXPECT_NE(l.find("listening on http://127.0.0.1:"), std::string::npos);
  EXPECT_NE(l.find(" GET /api/hosts 200 "), std::string::npos) << l;
  EXPECT_NE(l.find(" GET / 303 "), std::string::npos);
  EXPECT_NE(l.find("/host/\\x0d\\x0aFAKE 401"), std::string::npos) << l;
  EXPECT_EQ(l.find(kToken), std::string::npos);
}

TEST(ServeOptions, RefusesBadListenAndMissingToken) {
  ServeOptions o;
  o.load = [] { return FleetView{}; };
  o.token = "x";
  o.listen = "127.0.0.1";
  EXPECT_THROW(serve(o), core::InputError);
  o.listen = "0.0.0.0:0";  // not loopback, not asked for
  try {
    serve(o);
    ADD_FAILURE() << "served on 0.0.0.0 without allow_remote";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-remote"), std::string::npos);
  }
  o.listen = "127.0.0.1:0";
  o.token = "";
  EXPECT_THROW(serve(o), core::InputError);
}

TEST(ServeOptions, BusyPortIsAnError) {
  httplib::Server other;
  const int port = other.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  ServeOptions o;
  o.load = [] { return FleetView{}; };
  o.token = "x";
  o.listen = "127.0.0.1:" + std::to_string(port);
  EXPECT_THROW(serve(o), std::runtime_error);
}

TEST(ServeOptions, StopBeforeStartIsNotLost) {
  stop_serving();  // e.g. SIGTERM while the store is still opening
  ServeOptions o;
  o.load = [] { return FleetView{}; };
  o.token = "x";
  o.listen = "127.0.0.1:0";
  auto done = std::async(std::launch::async, [&o] { serve(o); });
  EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

}  // namespace
}  // namespace sg::fleet
