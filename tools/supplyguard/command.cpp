#include "command.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "supplyguard/core/error.hpp"

namespace sg::cli {
namespace {
// The original command line, for handing a subcommand over to another executable.
char** g_argv = nullptr;

// True when standard output is a pipe or socket whose reader has gone (`| head -n 1` is done):
// the kernel reports that as POLLERR/POLLHUP on the writing end.
bool stdout_reader_gone() {
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}
}  // namespace

Output::Output(const Globals& g, std::ostream& out)
    : format_(core::parse_format(g.format).value_or(core::Format::jsonl)),
      writer_(core::make_writer(format_, out)),
      gate_(g.fail_on.empty() ? std::nullopt : core::parse_severity(g.fail_on)),
      out_(out) {}

Output::~Output() = default;

void Output::emit(const core::Finding& f) {
  gate_.observe(f);
  writer_->write(f);
}

void Output::emit_report(const std::vector<core::Finding>& findings) {
  for (const auto& f : findings) gate_.observe(f);
  if (format_ == core::Format::table) {
    if (!findings.empty()) {
      core::write_table(findings, out_);
      table_written_ = true;  // finish() then has no table of its own to write
    }
  } else {
    for (const auto& f : findings) writer_->write(f);
  }
  out_.flush();
}

int Output::finish() {
  if (!finished_) {
    if (!table_written_) writer_->finish();
    finished_ = true;
  }
  return gate_.triggered() ? core::kExitFailOn : core::kExitOk;
}

Action not_built(std::string name, int issue) {
  return [name, issue](Output&) {
    std::cerr << "supplyguard " << name << ": not built yet (tracked in issue " << issue << ")\n";
    return core::kExitUsage;
  };
}

int run(int argc, char** argv, std::initializer_list<Registrar> planes) {
  // A reader that stops early (`supplyguard ... | head -n 1`) must end the run quietly, like grep,
  // and never half-way through writing a file or a store: dying of SIGPIPE inside a write would do
  // exactly that. With SIGPIPE ignored the failed write throws (cout.exceptions below), the stack
  // unwinds normally (destructors close files and end transactions) and the run exits with the
  // status the findings written so far earn: 0, or 3 when one reached --fail-on. docs/install.md.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "supplyguard: supply-chain defence for a server fleet.\n"
      "  attest   (snapshot, baseline, verify)  is each host still its model's original design?\n"
      "  hunt                                   is anything on it phoning home?\n"
      "  inspect                                does the board image show parts not in the design?\n"
      "  fleet    (fleet, serve)                one store, one verdict per host, correlation\n",
      "supplyguard"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags are accepted after the subcommand too
  app.footer(
      "Exit codes: 0 ok, 2 usage or input error (message on stderr), 3 --fail-on triggered.\n"
      "Run 'supplyguard SUBCOMMAND --help' for each subcommand's options and an example.");

  Globals globals;
  app.add_option("--format", globals.format, "Output format for findings: jsonl (default) or table")
      ->check(CLI::IsMember({"jsonl", "json", "table"}));
  app.add_option("--fail-on", globals.fail_on,
                 "Exit 3 when any finding reaches this severity (info|low|medium|high|critical)")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}, CLI::ignore_case));

  g_argv = argv;
  Action action;
  for (Registrar add : planes) add(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Without a subcommand CLI11 reports only "A subcommand is required", hiding the real
    // mistake: name what it could not place (an unknown flag or command) first.
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
      std::string words;
      for (const auto& w : app.remaining()) words += (words.empty() ? "" : " ") + w;
      const bool flag = app.remaining().front().rfind("-", 0) == 0;
      std::cerr << "supplyguard: " << (flag ? "unknown option: " : "unknown subcommand or argument: ") << words
                << "\nRun with --help for the subcommands and options.\n";
      return core::kExitUsage;
    }
    app.exit(e);  // prints the message naming the bad flag
    return core::kExitUsage;
  }

  if (!action) {
    std::cerr << "supplyguard: nothing to do (see --help)\n";
    return core::kExitUsage;
  }
  Output out(globals, std::cout);
  std::cout.exceptions(std::ios::badbit);  // a failed write to stdout stops the run (see above)
  // After a failed write: let the exit-time flush fail silently instead of throwing.
  auto quiet_stdout = [] {
    std::cout.exceptions(std::ios::goodbit);
    std::cout.clear();
  };
  auto write_failed = [&]() -> int {
    const int err = errno;
    quiet_stdout();
    if (stdout_reader_gone()) return out.fail_on_triggered() ? core::kExitFailOn : core::kExitOk;
    std::cerr << "supplyguard: cannot write standard output: " << std::strerror(err ? err : EIO) << "\n";
    return core::kExitUsage;
  };
  try {
    const int rc = action(out);
    const int gate = out.finish();
    std::cout.flush();
    return rc != core::kExitOk ? rc : gate;
  } catch (const std::ios_base::failure&) {
    return write_failed();
  } catch (const std::exception& e) {  // core::InputError included: its message names file and place
    if (std::cout.bad()) return write_failed();  // the failed write, wrapped by a library on its way up
    try {
      out.finish();  // what was found before the bad input is still reported
      std::cout.flush();
    } catch (const std::ios_base::failure&) {
      quiet_stdout();
    }
    std::cerr << "supplyguard: " << e.what() << "\n";
    return core::kExitUsage;
  }
}

void add_inspect_exec(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("inspect", "Compare a board image with its golden board");
  sub->set_help_flag();  // its --help is supplyguard-inspect's
  sub->fallthrough(false);
  sub->prefix_command();  // everything after `inspect`, --help too, belongs to supplyguard-inspect
  sub->callback([&action] {
    action = [](Output&) -> int {
      std::error_code ec;
      const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
      const auto exe = (ec ? std::filesystem::path(g_argv[0]) : self).parent_path() / "supplyguard-inspect";
      ::execv(exe.c_str(), g_argv);
      std::cerr << "supplyguard inspect: cannot run " << exe.string() << ": " << std::strerror(errno)
                << " (it is installed beside supplyguard)\n";
      return core::kExitUsage;
    };
  });
}

core::Micros parse_age(const std::string& text, const char* flag) {
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = text.substr(used);
  double seconds = 0;
  if (unit.empty() || unit == "s") seconds = 1;
  else if (unit == "m") seconds = 60;
  else if (unit == "h") seconds = 3600;
  else if (unit == "d") seconds = 86400;
  else if (unit == "w") seconds = 7 * 86400;
  if (seconds == 0 || !(v > 0) || v * seconds > 3650.0 * 86400)
    throw core::InputError::in(flag, "\"" + text + "\" is not an age such as 90d, 36h, 2w, 90m or 3600 (seconds)");
  return core::Micros(v * seconds * 1e6);
}

}  // namespace sg::cli
