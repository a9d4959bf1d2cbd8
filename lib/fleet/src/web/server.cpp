// serve / stop_serving: the dashboard and JSON API over cpp-httplib. This file only routes,
// authenticates and sets headers; pages and JSON come from pages.cpp and api.cpp.
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <map>
#include <mutex>
#include <thread>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/escape.hpp"
#include "web/listen.hpp"
#include "web/pages.hpp"
#include "web/style.hpp"
#include "web/view_index.hpp"

namespace sg::fleet {
namespace {

using httplib::Request;
using httplib::Response;
using Routing = httplib::Server::HandlerResponse;

// cpp-httplib (0.11, Debian's compiled library) listens with a backlog of 5: with 20 clients
// connecting at once the kernel drops the SYNs beyond it and the clients retry after 1 s, which
// showed as p95 ~ 1 s under 20 readers while the handlers took tens of ms. Linux lets listen()
// be called again on a listening socket to change its backlog; the socket is protected, hence
// this subclass.
class BacklogServer : public httplib::Server {
 public:
  bool set_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }
};
constexpr int kListenBacklog = 128;

// One server per process; stop_serving() reaches it from a signal-watching thread or a test.
std::mutex g_mu;
httplib::Server* g_server = nullptr;
bool g_stop_pending = false;  // stop asked before the server was up: serve() returns at once

// A view and its index, loaded together and shared by the requests that arrive while it is fresh.
struct Snapshot {
  Snapshot(FleetView v, std::string g) : view(std::move(v)), index(view), generation(std::move(g)) {}
  FleetView view;
  web::ViewIndex index;
  std::string generation;

  // Pages rendered from this snapshot alone (the dashboard, /api/hosts) are the same for every
  // reader until the next snapshot: render each once. Bounded: a few hundred distinct pages.
  std::shared_ptr<const std::string> rendered(const std::string& key, const std::function<std::string()>& render) const {
    {
      std::lock_guard lock(mu);
      if (auto it = pages.find(key); it != pages.end()) return it->second;
    }
    auto body = std::make_shared<const std::string>(render());
    std::lock_guard lock(mu);
    if (pages.size() < 256) pages.emplace(key, body);
    return body;
  }
  mutable std::mutex mu;
  mutable std::map<std::string, std::shared_ptr<const std::string>> pages;
};

// The cache key of a request: path and parameters, never the token.
std::string page_key(const Request& req) {
  std::string key = req.path;
  for (const auto& [name, value] : req.params)
    if (name != "token") key += "\n" + name + "=" + value;
  return key;
}

// Re-reads the store at most every couple of seconds: a dashboard reload per second by several
// people must not turn into as many full reads of a large store. With a generation check (a
// store at scale) the reload runs on a background thread and only when an ingest committed since:
// requests are answered from the previous snapshot meanwhile and never wait for a reload.
class ViewCache {
 public:
  ViewCache(std::function<FleetView()> load, std::function<std::string()> generation)
      : load_(std::move(load)), generation_(std::move(generation)) {}
  ~ViewCache() {
    if (refresher_.joinable()) refresher_.join();
  }
  std::shared_ptr<const Snapshot> get() {
    std::unique_lock lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!snap_) {
      snap_ = load_snapshot();
      at_ = now;
    } else if (now - at_ > std::chrono::seconds(2)) {
      at_ = now;
      if (!generation_) {
        snap_ = load_snapshot();
      } else if (!refreshing_) {
        refreshing_ = true;
        if (refresher_.joinable()) refresher_.join();
        refresher_ = std::thread([this, old = snap_->generation] { refresh(old); });
      }
    }
    return snap_;
  }

 private:
  std::shared_ptr<const Snapshot> load_snapshot() {
    std::string g = generation_ ? generation_() : std::string();
    return std::make_shared<const Snapshot>(load_(), std::move(g));
  }
  void refresh(const std::string& old) {
    std::shared_ptr<const Snapshot> fresh;
    try {
      if (generation_() != old) fresh = load_snapshot();
    } catch (...) {
      // The store is unreachable for now: keep serving the last snapshot, try again later.
    }
    std::lock_guard lock(mu_);
    if (fresh) snap_ = std::move(fresh);
    refreshing_ = false;
  }

  std::function<FleetView()> load_;
  std::function<std::string()> generation_;
  std::mutex mu_;
  std::shared_ptr<const Snapshot> snap_;
  std::chrono::steady_clock::time_point at_;
  bool refreshing_ = false;
  std::thread refresher_;
};

// ?after=HOST&limit=N for the dashboard's host table.
constexpr std::size_t kDashboardHosts = 1000;
std::pair<std::size_t, std::size_t> host_page_range(const Request& req, const web::ViewIndex& index) {
  std::size_t begin = 0, count = kDashboardHosts;
  if (req.has_param("after")) {
    begin = index.position(req.get_param_value("after"));
    begin = begin < index.hosts().size() ? begin + 1 : 0;
  }
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    std::size_t n = 0;
    for (char c : v) n = (c >= '0' && c <= '9' && n < 100000) ? n * 10 + std::size_t(c - '0') : SIZE_MAX;
    if (!v.empty() && n != SIZE_MAX) count = std::clamp<std::size_t>(n, 1, kDashboardHosts);
  }
  return {begin, count};
}

// One host's page from a store: its verdict and record from the snapshot, its findings by index.
struct HostSlice {
  FleetView view;
  std::optional<std::size_t> total;
};
HostSlice host_slice(const Snapshot& snap, const std::string& host, const ServeOptions& options, std::size_t limit) {
  HostSlice s;
  std::vector<std::string> addresses;
  if (const HostVerdict* v = snap.index.verdict(host)) {
    s.view.verdicts.push_back(*v);
    s.total = v->findings;
  }
  if (const HostInfo* i = snap.index.info(host)) {
    s.view.hosts.push_back(*i);
    addresses = i->addresses;
  }
  s.view.findings = options.host_findings(host, addresses, limit);
  return s;
}

constexpr std::size_t kWorkers = 32;
constexpr std::size_t kHostPageFindings = 500, kHostApiFindings = 1000;

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kJson = "application/json";

// Sent with every response, errors included (httplib applies default headers to all).
httplib::Headers security_headers() {
  return {
      // Scripts and styles only from our own /static/; no inline script, no frames, no forms.
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
}

bool is_api(const std::string& path) { return path.rfind("/api/", 0) == 0 || path == "/api"; }

void send_json(Response& res, const web::ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, kJson);
}

void send_error(const Request& req, Response& res, int status, const std::string& message) {
  res.status = status;
  if (is_api(req.path))
    res.set_content(web::api_error(status, message).body, kJson);
  else
    res.set_content(web::message_page(std::to_string(status) + " " + message, message), kHtml);
}

// The request path encoded again (httplib hands it to us decoded): where the ?token= page load
// redirects to. A host name is one segment, whatever slashes it contains.
std::string reencode(const std::string& path) {
  if (path.rfind("/host/", 0) == 0) return "/host/" + web::path_segment(path.substr(6));
  std::string out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    out += "/" + web::path_segment(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out.empty() ? "/" : out;
}

std::string now_iso() {
  const auto t = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return core::format_iso8601(t.count()).substr(0, 19) + "Z";
}

}  // namespace

void check_serve_options(const ServeOptions& options) {
  if (options.token.empty())
    throw core::InputError::in("--token", "a token is required (every request must present it)");
  const web::ListenAddress at = web::parse_listen(options.listen);
  if (!at.loopback && !options.allow_remote)
    throw core::InputError::in("--listen", "\"" + options.listen +
                                               "\" is not a loopback address; the dashboard binds loopback "
                                               "unless --allow-remote is given");
}

void serve(const ServeOptions& options) {
  check_serve_options(options);
  if (!options.load) throw std::invalid_argument("serve: no view loader");
  const web::ListenAddress at = web::parse_listen(options.listen);
  const web::TokenCheck check(options.token);
  ViewCache cache(options.load, options.find ? options.generation : std::function<std::string()>());
  const bool at_scale = bool(options.find) && bool(options.host_findings);
  const auto log = [&options](const std::string& line) {
    if (options.log) options.log(line);
  };

  BacklogServer svr;
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same port and
  // take a share of the connections (and the tokens in them). Address reuse only.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Workers enough for 20 concurrent readers plus keep-alive browsers: httplib's default pool
  // (8 on this machine) holds a worker per open connection, so the 9th reader queued behind
  // idle keep-alives. Threads cost stack address space, not resident memory.
  svr.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  svr.set_default_headers(security_headers());
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(64 * 1024);  // the API is read-only: no request needs a body

  svr.set_pre_routing_handler([&check](const Request& req, Response& res) {
    // Liveness for a supervisor; says nothing about the fleet, so it needs no token.
    if (req.path == "/healthz") return Routing::Unhandled;
    bool ok = false;
    // get_header_value returns a copy: keep it alive while the string_views point into it.
    const std::string authorization = req.get_header_value("Authorization");
    const std::string cookies = req.get_header_value("Cookie");
    if (auto b = web::bearer(authorization); !b.empty()) ok = check.matches(b);
    if (!ok)
      if (auto c = web::cookie_value(cookies, web::kSessionCookie); !c.empty()) ok = check.session_matches(c);
    bool via_query = false;
    if (!ok && req.get_param_value_count("token") == 1) ok = via_query = check.matches(req.get_param_value("token"));
    if (!ok) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"supplyguard\"");
      send_error(req, res, 401, "unauthorized: present the token (Authorization: Bearer, or ?token= once)");
      return Routing::Handled;
    }
    if (via_query && req.method == "GET" && !is_api(req.path)) {
      // First page load: swap the token in the URL for a cookie the page's own requests carry,
      // and drop it from the address bar (history, screenshots, Referer).
      res.set_header("Set-Cookie", std::string(web::kSessionCookie) + "=" + check.session_value() +
                                       "; Path=/; HttpOnly; SameSite=Strict");
      res.set_redirect(reencode(req.path), 303);
      return Routing::Handled;
    }
    return Routing::Unhandled;
  });

  svr.Get("/healthz", [](const Request&, Response& res) { res.set_content("ok\n", "text/plain; charset=utf-8"); });
  // Browsers ask for it on every page; an empty answer keeps 404s out of their consoles.
  svr.Get("/favicon.ico", [](const Request&, Response& res) { res.status = 204; });
  svr.Get("/static/app.css", [](const Request&, Response& res) {
    res.set_content(std::string(web::stylesheet()), "text/css; charset=utf-8");
  });
  svr.Get("/static/app.js", [](const Request&, Response& res) {
    res.set_content(std::string(web::app_js()), "text/javascript; charset=utf-8");
  });
  svr.Get("/", [&cache, at_scale](const Request& req, Response& res) {
    const auto snap = cache.get();
    // A page, not the fleet: at scale the host table is cut into pages (?after=HOST).
    const auto [begin, count] = at_scale ? host_page_range(req, snap->index) : std::pair<std::size_t, std::size_t>{0, SIZE_MAX};
    const auto body = snap->rendered(page_key(req), [&, b = begin, n = count] { return web::dashboard_page(snap->index, b, n); });
    res.set_content(*body, kHtml);
  });
  svr.Get(R"(/host/([\s\S]+))", [&cache, &options, at_scale](const Request& req, Response& res) {
    const auto snap = cache.get();
    const std::string host = req.matches[1];
    if (!snap->index.known(host)) return send_error(req, res, 404, "unknown host");
    if (!at_scale) return res.set_content(web::host_page(snap->index, host), kHtml);
    const HostSlice slice = host_slice(*snap, host, options, kHostPageFindings);
    const web::ViewIndex index(slice.view);
    res.set_content(web::host_page(index, host, slice.total), kHtml);
  });
  svr.Get("/api/hosts", [&cache](const Request& req, Response& res) {
    const auto snap = cache.get();
    int status = 200;
    const auto body = snap->rendered(page_key(req), [&] {
      auto r = web::api_hosts(snap->index, web::Params(req.params.begin(), req.params.end()));
      status = r.status;
      return r.body;
    });
    res.status = status;
    if (res.status == 200 && body->find("{\"error\"", 0) == 0) res.status = 400;  // a cached error
    res.set_content(*body, kJson);
  });
  svr.Get(R"(/api/hosts/([\s\S]+))", [&cache, &options, at_scale](const Request& req, Response& res) {
    const auto snap = cache.get();
    const std::string host = req.matches[1];
    if (!at_scale || !snap->index.known(host)) return send_json(res, web::api_host(snap->index, host));
    const HostSlice slice = host_slice(*snap, host, options, kHostApiFindings);
    const web::ViewIndex index(slice.view);
    send_json(res, web::api_host(index, host));
  });
  svr.Get("/api/findings", [&cache, &options](const Request& req, Response& res) {
    const web::FindFn* find = options.find ? &options.find : nullptr;
    send_json(res, web::api_findings(cache.get()->index, web::Params(req.params.begin(), req.params.end()), find));
  });
  svr.Get("/api/correlations", [&cache](const Request&, Response& res) {
    send_json(res, web::api_correlations(cache.get()->index));
  });
  // Read-only service: every other method is refused outright (no CORS preflight either).
  const auto refuse = [](const Request& req, Response& res) {
    res.set_header("Allow", "GET, HEAD");
    send_error(req, res, 405, "method not allowed");
  };
  svr.Post(".*", refuse);
  svr.Put(".*", refuse);
  svr.Patch(".*", refuse);
  svr.Delete(".*", refuse);
  svr.Options(".*", refuse);

  svr.set_error_handler([](const Request& req, Response& res) {
    if (res.body.empty()) send_error(req, res, res.status, res.status == 404 ? "not found" : "error");
  });
  svr.set_exception_handler([&log](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log(now_iso() + " error " + web::log_safe(req.path) + ": " + web::log_safe(what));
    send_error(req, res, 500, "internal error (see the server log)");
  });
  svr.set_logger([&log](const Request& req, const Response& res) {
    // The path only: the query may carry the token.
    log(now_iso() + " " + web::log_safe(req.remote_addr) + " " + web::log_safe(req.method) + " " +
        web::log_safe(req.path) + " " + std::to_string(res.status) + " " + std::to_string(res.body.size()));
  });

  int port = at.port;
  if (port == 0)
    port = svr.bind_to_any_port(at.host);
  else if (!svr.bind_to_port(at.host, port))
    port = -1;
  if (port < 0) throw std::runtime_error("cannot listen on " + options.listen + " (in use, or not permitted)");
  if (!svr.set_backlog(kListenBacklog))
    throw std::runtime_error("cannot set the listen backlog on " + options.listen + ": " + std::strerror(errno));
  const std::string bound = (at.host.find(':') != std::string::npos ? "[" + at.host + "]" : at.host) + ":" +
                            std::to_string(port);
  {
    std::lock_guard lock(g_mu);
    if (g_server) throw std::runtime_error("serve: already serving in this process");
    if (g_stop_pending) {
      g_stop_pending = false;
      return;
    }
    g_server = &svr;
  }
  cache.get();  // the first snapshot before the first request, not during it
  log(now_iso() + " listening on http://" + bound + "/");
  if (options.ready) options.ready(bound);
  svr.listen_after_bind();
  std::lock_guard lock(g_mu);
  g_server = nullptr;
  g_stop_pending = false;
}

void stop_serving() {
  std::unique_lock lock(g_mu);
  g_stop_pending = true;
  // httplib's stop() is a no-op until the accept loop runs; wait briefly for it so a stop that
  // races the start is not lost.
  for (int i = 0; i < 5000 && g_server && !g_server->is_running(); ++i) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lock.lock();
  }
  if (g_server) g_server->stop();
}

}  // namespace sg::fleet
