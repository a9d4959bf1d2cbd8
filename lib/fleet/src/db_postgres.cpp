// PostgreSQL backend (libpq): the same statements as SQLite, prepared server-side, every value
// sent as text. A lost or refused connection surfaces as Unreachable so ingest can spool.
#include <libpq-fe.h>

#include <exception>
#include <memory>
#include <stdexcept>

#include "db.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet::db {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Row i of a result into `out` (reused across rows: a column's buffer is kept when it is not NULL).
void read_row(const PGresult* r, int i, Row& out) {
  const int cols = PQnfields(r);
  out.resize(std::size_t(cols));
  for (int c = 0; c < cols; ++c) {
    auto& v = out[std::size_t(c)];
    if (PQgetisnull(r, i, c))
      v.reset();
    else if (v)
      v->assign(PQgetvalue(r, i, c), std::size_t(PQgetlength(r, i, c)));
    else
      v.emplace(PQgetvalue(r, i, c), std::size_t(PQgetlength(r, i, c)));
  }
}

std::string trim(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\t') c = ' ';  // libpq messages span lines
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

class Postgres final : public Connection {
 public:
  explicit Postgres(const std::string& url) {
    // A server that drops packets must not hang ingest forever: 5 s unless the URL says otherwise
    // (later keywords override earlier ones, and the URL comes last).
    const char* keys[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {"5", url.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (!conn_) throw Unreachable("postgresql: out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = trim(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw Unreachable("postgresql: cannot connect: " + msg);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
    // Plan every execution with its values. After five runs a prepared statement may switch to
    // a generic plan, which cannot see which `attr` values a host page asks for: on the day
    // partitions it walked each partition's primary key in id order and filtered by attr (1.1 s
    // for one host at 2 x 10^5 findings; 7 s p50 at 10^6) instead of the attr index (~1 ms).
    exec("SET plan_cache_mode = force_custom_plan");
    // No JIT: every query here is an index lookup or a bulk statement that JIT does not speed up,
    // but over ~100 day partitions the cost estimates pass jit_above_cost and a host page spent
    // 2.4 s of its 3.1 s compiling 1 417 functions (EXPLAIN ANALYZE at 10^7 findings).
    exec("SET jit = off");
  }
  ~Postgres() override {
    if (conn_) PQfinish(conn_);
  }

  void exec(const std::string& sql) override { check(ResultPtr(PQexec(conn_, sql.c_str()), PQclear), sql); }

  int prepare(const std::string& sql) override {
    const std::string name = "sg" + std::to_string(count_);
    check(ResultPtr(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), PQclear), sql);
    return count_++;
  }

  long long run(int statement, const std::vector<Value>& params) override {
    auto r = execute(statement, params);
    const char* n = PQcmdTuples(r.get());
    return (n && *n) ? std::stoll(n) : 0;
  }

  void query(int statement, const std::vector<Value>& params, const std::function<void(const Row&)>& row) override {
    auto r = execute(statement, params);
    const int rows = PQntuples(r.get());
    Row out;
    for (int i = 0; i < rows; ++i) {
      read_row(r.get(), i, out);
      row(out);
    }
  }

  // Single-row mode: PQexecPrepared would first hold the whole result in libpq's memory (the
  // aggregate rows of 10^5 hosts with their reason ids: most of serve's 720 MB at 10^7 findings).
  void scan(int statement, const std::vector<Value>& params, const std::function<void(const Row&)>& row) override {
    const Params p(params);
    const std::string name = "sg" + std::to_string(statement);
    if (!PQsendQueryPrepared(conn_, name.c_str(), p.count(), p.values.data(), p.lengths.data(), nullptr, 0)) {
      ResultPtr none(nullptr, PQclear);
      check_result(none, name);
    }
    PQsetSingleRowMode(conn_);
    Row out;
    std::exception_ptr failed;
    ResultPtr error(nullptr, PQclear);
    // Every result is collected, even after a failure, or the connection stays busy.
    while (PGresult* res = PQgetResult(conn_)) {
      ResultPtr r(res, PQclear);
      const auto st = PQresultStatus(res);
      if (st == PGRES_SINGLE_TUPLE && !failed && !error) {
        read_row(res, 0, out);
        try {
          row(out);
        } catch (...) {
          failed = std::current_exception();
        }
      } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && !error) {
        error = std::move(r);
      }
    }
    if (failed) std::rethrow_exception(failed);
    if (error) check_result(error, name);
  }

  void begin() override { exec("BEGIN"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override {
    if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  }
  std::string dialect() const override { return "postgresql"; }
  void copy_in(const std::string& sql, const std::function<bool(std::string&)>& next) override {
    ResultPtr start(PQexec(conn_, sql.c_str()), PQclear);
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) check_result(start, sql);
    std::string buf;
    bool failed = false;
    try {
      while (next(buf)) {
        if (buf.size() >= (1u << 20)) {
          if (PQputCopyData(conn_, buf.data(), int(buf.size())) != 1) break;
          buf.clear();
        }
      }
      if (!buf.empty()) PQputCopyData(conn_, buf.data(), int(buf.size()));
    } catch (...) {
      failed = true;
      PQputCopyEnd(conn_, "aborted by the client");
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      throw;
    }
    if (!failed && PQputCopyEnd(conn_, nullptr) != 1)
      throw Unreachable("postgresql: connection lost: " + trim(PQerrorMessage(conn_)));
    ResultPtr end(PQgetResult(conn_), PQclear);
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    check_result(end, sql);
  }

 private:
  // Text parameters as libpq takes them (NULL for a missing value).
  struct Params {
    std::vector<const char*> values;
    std::vector<int> lengths;
    explicit Params(const std::vector<Value>& params) {
      for (const auto& v : params) {
        values.push_back(v ? v->c_str() : nullptr);
        lengths.push_back(v ? int(v->size()) : 0);
      }
    }
    int count() const { return int(values.size()); }
  };

  ResultPtr execute(int statement, const std::vector<Value>& params) {
    const Params p(params);
    const std::string name = "sg" + std::to_string(statement);
    ResultPtr r(PQexecPrepared(conn_, name.c_str(), p.count(), p.values.data(), p.lengths.data(), nullptr, 0), PQclear);
    check_result(r, name);
    return r;
  }

  void check(ResultPtr r, const std::string& what) { check_result(r, what); }
  void check_result(const ResultPtr& r, const std::string& what) {
    const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    const std::string msg = trim(PQerrorMessage(conn_));
    if (PQstatus(conn_) != CONNECTION_OK) throw Unreachable("postgresql: connection lost: " + msg);
    throw std::runtime_error("postgresql: " + msg + " (" + what + ")");
  }

  PGconn* conn_ = nullptr;
  int count_ = 0;
};

}  // namespace

std::unique_ptr<Connection> open_postgres(const std::string& url) { return std::make_unique<Postgres>(url); }

}  // namespace sg::fleet::db
