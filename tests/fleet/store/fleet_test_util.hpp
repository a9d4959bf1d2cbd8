#pragma once
// Shared by the fleet store tests: backends to run on (SQLite file, fresh PostgreSQL database
// on the test cluster), temp dirs, and findings built in code.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "supplyguard/core/finding.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/sg-fleet-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// The cluster's base URL: $SG_TEST_PG_URL, else the file the CTest fixture wrote. Returns "" and
// sets `skip_reason` only when the PostgreSQL binaries are absent; fails the test when the
// cluster should be there but is not.
inline std::string pg_base_url(std::string& skip_reason) {
  if (const char* u = std::getenv("SG_TEST_PG_URL"); u && *u) return u;
  const std::string state = SG_PG_STATE;
  if (std::filesystem::exists(state + "/absent")) {
    skip_reason = read_text(state + "/absent");
    return "";
  }
  if (!std::filesystem::exists(state + "/url")) {
    ADD_FAILURE() << "PostgreSQL test cluster not running: run through ctest (fixture fleet_pg_start) or "
                     "`scripts/pg-test-cluster.sh start " << state << "` or set SG_TEST_PG_URL";
    return "";
  }
  return read_text(state + "/url");
}

inline void pg_exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  std::string err = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  ASSERT_EQ(st, PGRES_COMMAND_OK) << err << " in " << sql;
}

// A fresh database per test, so tests running in parallel never see each other's rows.
class PgDatabase {
 public:
  explicit PgDatabase(const std::string& base) : base_(base) {
    static std::atomic<int> n{0};
    name_ = "sg_test_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    pg_exec(base_, "DROP DATABASE IF EXISTS " + name_);
    pg_exec(base_, "CREATE DATABASE " + name_);
    const auto slash = base_.rfind('/');
    url_ = base_.substr(0, slash + 1) + name_;
  }
  ~PgDatabase() { pg_exec(base_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }
  const std::string& url() const { return url_; }

 private:
  std::string base_, name_, url_;
};

// Gives each parameterized test a store URL on its backend.
class Backend {
 public:
  // Returns false (and GTEST_SKIP must follow) when the backend is unavailable.
  bool setup(const std::string& kind, std::string& skip_reason) {
    if (kind == "sqlite") {
      url_ = "sqlite:" + (dir_ / "fleet.db");
      return true;
    }
    const std::string base = pg_base_url(skip_reason);
    if (base.empty()) return false;
    db_ = std::make_unique<PgDatabase>(base);
    url_ = db_->url();
    return true;
  }
  const std::string& url() const { return url_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<PgDatabase> db_;
  std::string url_;
};

// A test parameterized by backend ("sqlite", "postgres"): a fresh store URL, a scratch dir, ingest
// options whose spool lives in it. Skips when the backend cannot run here.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_.setup(GetParam(), why)) {
      if (!why.empty()) GTEST_SKIP() << why;
      FAIL() << "backend " << GetParam() << " unavailable";
    }
  }
  std::string url() const { return backend_.url(); }
  std::string path(const std::string& name) const { return backend_.dir() / name; }
  fleet::IngestOptions options() const {
    fleet::IngestOptions o;
    o.spool = path("spool.jsonl");
    return o;
  }
  std::string file(const std::string& name, const std::string& text) const {
    write_text(path(name), text);
    return path(name);
  }
  Backend backend_;
};

inline core::Finding make_finding(core::Plane plane, const std::string& type, core::Severity sev,
                                  const std::string& host, const std::string& subject) {
  core::Finding f;
  f.plane = plane;
  f.type = type;
  f.severity = sev;
  f.score = 0.9;
  f.host = host;
  f.subject = subject;
  f.summary = type + " on " + host;
  f.first_seen = 1793606400'000'000 + std::int64_t(subject.size()) * 1'000'000;
  f.last_seen = *f.first_seen + 3600'000'000LL;
  return f;
}

// A hunt egress finding the way hunt writes it: host = the internal source address.
inline core::Finding egress(const std::string& src, const std::string& dst, core::Severity sev = core::Severity::high,
                            const std::string& type = "beacon") {
  auto f = make_finding(core::Plane::hunt, type, sev, src, src + " -> " + dst + ":443/tcp");
  f.fields["src"] = src;
  f.fields["dst"] = dst;
  f.fields["dst_port"] = 443;
  return f;
}

inline core::Finding attest_change(const std::string& host, const std::string& model, const std::string& component,
                                   const std::string& type = "component_added",
                                   core::Severity sev = core::Severity::high) {
  auto f = make_finding(core::Plane::attest, type, sev, host, component);
  f.fields["model"] = model;
  f.fields["component"] = component;
  f.fields["after"] = {{"name", "24c02"}};
  return f;
}

inline std::string lines(const std::vector<core::Finding>& fs) {
  std::string out;
  for (const auto& f : fs) out += core::to_json_line(f) + "\n";
  return out;
}

}  // namespace sg::test
