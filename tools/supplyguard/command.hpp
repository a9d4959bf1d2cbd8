#pragma once
// The thin CLI's plumbing: each plane registers its subcommands (cmd_<plane>.cpp) and hands back
// an Action; main() parses, runs the chosen Action, and turns findings into output + exit code.
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "supplyguard/core/finding.hpp"
#include "supplyguard/core/report.hpp"

namespace sg::cli {

struct Globals {
  std::string format = "jsonl";
  std::string fail_on;  // empty: never
};

// Where a subcommand's findings go: the chosen writer, plus the --fail-on gate.
class Output {
 public:
  Output(const Globals& g, std::ostream& out);
  ~Output();
  void emit(const core::Finding& f);
  // One report of a long-running command (hunt --report-every): written and flushed now, as a
  // table of its own in table format (rather than buffered until the end).
  void emit_report(const std::vector<core::Finding>& findings);
  core::Format format() const { return format_; }
  // Flushes buffered output; returns kExitFailOn when --fail-on triggered, else kExitOk.
  int finish();
  // Whether a finding emitted so far reached --fail-on (the exit status when output is cut short).
  bool fail_on_triggered() const { return gate_.triggered(); }
  // For subcommands whose output is not findings (fleet verdict): nothing is written at finish,
  // so a table-format run does not end with an empty findings table.
  void discard() { finished_ = true; }

 private:
  core::Format format_;
  std::unique_ptr<core::FindingWriter> writer_;
  core::FailGate gate_;
  std::ostream& out_;
  bool finished_ = false;
  bool table_written_ = false;
};

// What a parsed subcommand does. Returns an exit code; throws core::InputError on bad input.
using Action = std::function<int(Output&)>;

// Each plane's registration: adds its subcommand(s) to `app`, setting `action` when chosen.
void add_version(CLI::App& app, Action& action);
void add_attest(CLI::App& app, Action& action);   // snapshot, baseline, verify
void add_hunt(CLI::App& app, Action& action);
void add_inspect(CLI::App& app, Action& action);
void add_fleet(CLI::App& app, Action& action);    // fleet ingest|verdict|report
void add_serve(CLI::App& app, Action& action);    // serve (dashboard + JSON API)

// An age on the command line ("90d", "36h", "2w", "90m", "3600s", "1.5d" or plain seconds), in
// microseconds; `flag` names the option in the error. Up to ten years: anything longer is a typo.
core::Micros parse_age(const std::string& text, const char* flag);

// A subcommand whose plane is not built yet: says so on stderr and exits 2.
Action not_built(std::string name, int issue);

// `inspect` runs in its own executable, supplyguard-inspect beside this one (git-style): OpenCV
// and its ~150 shared libraries cost ~170 ms of dynamic linking at every start, which would
// otherwise be paid by every hunt, attest and fleet run too. This registers the subcommand in
// the main binary (so it shows in --help) and hands the whole command line over to it.
void add_inspect_exec(CLI::App& app, Action& action);

// The whole front end: globals (--format, --fail-on), the given planes' subcommands, parsing,
// output and exit codes. Both executables' main() call it.
using Registrar = void (*)(CLI::App&, Action&);
int run(int argc, char** argv, std::initializer_list<Registrar> planes);

}  // namespace sg::cli
