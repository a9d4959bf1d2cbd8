// supplyguard serve: the fleet dashboard and JSON API over a store. Parsing and wiring only; the
// server lives in lib/fleet/src/web.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <condition_variable>
#include <memory>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "command.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::cli {
namespace {

struct ServeCliOptions {
  std::string db = "sqlite:supplyguard.db";
  std::string read_db;  // a replica: opened read-only, never migrated
  std::string listen = "127.0.0.1:8080";
  std::string token, token_file;
  std::size_t min_hosts = 3;
  bool allow_remote = false;
  bool quiet = false;
  std::size_t readers = 4;  // read connections for per-request queries
};

// Read connections lent to one request at a time; a request waits only when all are busy.
class ReadPool {
 public:
  void add(std::unique_ptr<fleet::Store> s) { free_.push_back(std::move(s)); }
  // Before serving: every connection, one after the other.
  void each(const std::function<void(fleet::Store&)>& f) {
    for (auto& s : free_) f(*s);
  }
  class Lease {
   public:
    explicit Lease(ReadPool& p) : p_(p) {
      std::unique_lock lock(p_.mu_);
      p_.cv_.wait(lock, [&] { return !p_.free_.empty(); });
      s_ = std::move(p_.free_.back());
      p_.free_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(p_.mu_);
        p_.free_.push_back(std::move(s_));
      }
      p_.cv_.notify_one();
    }
    fleet::Store* operator->() { return s_.get(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    ReadPool& p_;
    std::unique_ptr<fleet::Store> s_;
  };

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<fleet::Store>> free_;
};

// --token, else --token-file, else $SUPPLYGUARD_TOKEN. A token on the command line is visible to
// every user in `ps`, so the help recommends the other two.
std::string resolve_token(const ServeCliOptions& o) {
  if (!o.token.empty()) return o.token;
  if (!o.token_file.empty()) {
    std::ifstream f(o.token_file, std::ios::binary);
    if (!f) throw core::InputError::in(o.token_file, "cannot read the token file");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string t = ss.str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ' || t.back() == '\t')) t.pop_back();
    if (t.empty()) throw core::InputError::in(o.token_file, "the token file is empty");
    if (t.find_first_of("\r\n") != std::string::npos)
      throw core::InputError::in(o.token_file, "the token file has more than one line");
    return t;
  }
  if (const char* env = std::getenv("SUPPLYGUARD_TOKEN"); env && *env) return env;
  throw core::InputError::in("serve", "no token: give --token-file FILE, set SUPPLYGUARD_TOKEN, or --token T "
                                      "(every request must present it)");
}

int run_serve(const ServeCliOptions& o) {
  fleet::ServeOptions so;
  so.token = resolve_token(o);
  so.listen = o.listen;
  so.allow_remote = o.allow_remote;
  fleet::check_serve_options(so);  // bad flags are refused before a database file is created
  // Open and read the store once up front: a wrong --db fails here with exit 2, not on the
  // first page load.
  // One connection for the overview the server reloads in the background (aggregates only), and
  // a small pool of read connections for the per-request queries (a host's findings, a page of
  // findings), so 20 readers do not queue behind one connection. SQLite in WAL mode lets readers
  // run beside each other and beside an ingest; PostgreSQL connections (or a replica's, with
  // --read-db) likewise. Neither ever reads every finding; each reader's cache is bounded.
  const std::string url = o.read_db.empty() ? o.db : o.read_db;
  const bool read_only = !o.read_db.empty();
  auto overview_store = std::shared_ptr<fleet::Store>(fleet::Store::open(url, {o.min_hosts}, read_only));
  auto overview_mu = std::make_shared<std::mutex>();
  auto readers = std::make_shared<ReadPool>();
  for (std::size_t i = 0; i < o.readers; ++i) readers->add(fleet::Store::open(url, {o.min_hosts}, true));
  // Read once up front (a wrong --db fails here with exit 2) and handed to the server as its first
  // snapshot, so the first requests do not wait for a second read.
  auto first = std::make_shared<std::optional<fleet::FleetView>>(overview_store->overview());
  std::cerr << "supplyguard serve: " << url << (read_only ? " (read-only)" : "") << ": " << (*first)->verdicts.size()
            << " hosts, " << (*first)->stored_findings.value_or(0) + (*first)->correlations.size() << " findings\n";
  // Warm the read connections with the two queries a host page and /api/findings?host= run.
  // PostgreSQL plans them at their first run on a connection, over every day partition (~0.5 s
  // at 10^7 findings), and under 20 readers those first runs held up every request queued behind
  // them: host page p95 ~690 ms for a p50 of ~140 ms. The statement's text depends on how many
  // addresses the host has, so the sample is a host with addresses when there is one.
  {
    const fleet::HostInfo* sample = nullptr;
    for (const auto& h : (*first)->hosts)
      if (!sample || (sample->addresses.empty() && !h.addresses.empty())) sample = &h;
    if (sample)
      readers->each([&](fleet::Store& s) {
        try {
          s.host_findings(sample->host, sample->addresses, 1);
          fleet::FindingFilter f;
          f.host = sample->host;
          f.limit = 1;
          s.find(f, {});
        } catch (const std::exception&) {  // a failure here shows again, and is reported, per request
        }
      });
  }
  so.load = [overview_store, overview_mu, first] {
    std::lock_guard lock(*overview_mu);
    if (first->has_value()) {
      fleet::FleetView v = std::move(**first);
      first->reset();
      return v;
    }
    return overview_store->overview();
  };
  so.generation = [overview_store, overview_mu] {
    std::lock_guard lock(*overview_mu);
    return overview_store->generation();
  };
  so.find = [readers](const fleet::FindingFilter& f, const std::function<std::string(const std::string&)>& model_of) {
    ReadPool::Lease s(*readers);
    return s->find(f, model_of);
  };
  so.host_findings = [readers](const std::string& host, const std::vector<std::string>& addresses,
                               std::size_t limit) {
    ReadPool::Lease s(*readers);
    return s->host_findings(host, addresses, limit);
  };
  so.log = [quiet = o.quiet](const std::string& line) {
    if (!quiet || line.find(" listening on ") != std::string::npos) std::cerr << line << "\n";
  };

  // SIGINT/SIGTERM are blocked here (and so in every server thread) and taken by one thread that
  // stops the server: stop_serving() is not async-signal-safe, a sigwait thread needs it not be.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) == 0) {
      std::cerr << "supplyguard serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
      fleet::stop_serving();
    }
  }).detach();
  fleet::serve(so);
  return core::kExitOk;
}

}  // namespace

void add_serve(CLI::App& app, Action& action) {
  auto opts = std::make_shared<ServeCliOptions>();
  auto* serve = app.add_subcommand("serve", "Serve the fleet dashboard and JSON API (loopback, token required)");
  serve->add_option("--db", opts->db, "Store: sqlite:PATH (default sqlite:supplyguard.db), a bare path, or postgresql://...");
  serve->add_option("--read-db", opts->read_db,
                    "Read from this store instead (a PostgreSQL replica's URL): opened read-only, never migrated");
  serve->add_option("--listen", opts->listen, "ADDR:PORT to bind (default 127.0.0.1:8080; [::1]:PORT for IPv6; "
                                              "port 0 picks a free one)");
  serve->add_option("--token", opts->token, "Token every request must present (visible in ps: prefer "
                                            "--token-file or SUPPLYGUARD_TOKEN)");
  serve->add_option("--token-file", opts->token_file, "Read the token from this file (first line)");
  serve->add_flag("--allow-remote", opts->allow_remote, "Allow a --listen address that is not loopback");
  serve->add_option("--min-hosts", opts->min_hosts, "K for correlations, as in `fleet verdict` (default 3)");
  serve->add_flag("--quiet", opts->quiet, "No access log on stderr");
  serve->add_option("--readers", opts->readers, "Read connections for host pages and /api/findings (default 4)")
      ->check(CLI::Range(1, 64));
  serve->footer(
      "Every request needs the token: 'Authorization: Bearer T', or open http://ADDR:PORT/?token=T once in a\n"
      "browser (it sets an HttpOnly, SameSite=Strict session cookie and drops the token from the URL).\n"
      "/healthz answers 'ok' without a token. JSON: /api/hosts, /api/hosts/HOST, /api/correlations,\n"
      "/api/findings?host=&plane=&type=&model=&min_severity=&limit=&after=  (limit default 1000, pages of at most\n"
      "1000 from a store: go on with after=<next_after>). /api/hosts?limit=&after= (default 500, max 2000).\n"
      "Stops on SIGINT/SIGTERM.\n"
      "Example:\n"
      "  od -An -tx1 -N24 /dev/urandom | tr -d ' \\n' > token; chmod 600 token   # hex: safe in ?token=\n"
      "  supplyguard serve --db sqlite:supplyguard.db --listen 127.0.0.1:8080 --token-file token\n"
      "  curl -H \"Authorization: Bearer $(cat token)\" http://127.0.0.1:8080/api/hosts");
  serve->callback([&action, opts] { action = [opts](Output&) { return run_serve(*opts); }; });
}

}  // namespace sg::cli
