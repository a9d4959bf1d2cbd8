#pragma once
// The small SQL surface the store needs, so one schema and one set of statements serve both
// SQLite (embedded, the default) and PostgreSQL (libpq). Statements use $1, $2, ... placeholders
// (PostgreSQL's form; the SQLite backend rewrites them) and every value travels as text or
// NULL, which both engines convert to the column's type.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sg::fleet::db {

using Value = std::optional<std::string>;
using Row = std::vector<Value>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void exec(const std::string& sql) = 0;  // no parameters, results ignored
  // Prepares once, returns a handle for run()/query(); cached by the backend.
  virtual int prepare(const std::string& sql) = 0;
  // Runs a prepared statement; returns the number of rows it changed.
  virtual long long run(int statement, const std::vector<Value>& params) = 0;
  // Runs a prepared statement and calls `row` for every result row. `row` may run other
  // statements on this connection (PostgreSQL: the result set is received whole first).
  virtual void query(int statement, const std::vector<Value>& params,
                     const std::function<void(const Row&)>& row) = 0;
  // The same for result sets of any size: rows are handed over as they arrive, so client memory
  // stays at one row (libpq's single-row mode; SQLite always steps row by row). `row` must not
  // run another statement on this connection while the scan is under way.
  virtual void scan(int statement, const std::vector<Value>& params, const std::function<void(const Row&)>& row) {
    query(statement, params, row);
  }
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual std::string dialect() const = 0;  // "sqlite" or "postgresql"
  // PostgreSQL only: runs `COPY ... FROM STDIN` (text format) with the data `next` appends to its
  // argument until it returns false.
  virtual void copy_in(const std::string& sql, const std::function<bool(std::string&)>& next) = 0;
};

// reader: a connection that only reads (serve's pool): a smaller page cache.
std::unique_ptr<Connection> open_sqlite(const std::string& path, bool reader = false);
// Throws Unreachable when the server cannot be reached.
std::unique_ptr<Connection> open_postgres(const std::string& url);

// Rolls back unless committed: one transaction per file, all or nothing.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) { c_.begin(); }
  ~Transaction() {
    if (!done_) c_.rollback();
  }
  void commit() {
    c_.commit();
    done_ = true;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace sg::fleet::db
