// supplyguard: is this server still its original design, and is anything on it phoning home?
// Thin front end: parsing and exit codes here, all capability in lib/.
#include <iostream>

#include "command.hpp"
#include "supplyguard/core/error.hpp"

int main(int argc, char** argv) {
  using namespace sg;
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

  cli::Globals globals;
  app.add_option("--format", globals.format, "Output format for findings: jsonl (default) or table")
      ->check(CLI::IsMember({"jsonl", "json", "table"}));
  app.add_option("--fail-on", globals.fail_on,
                 "Exit 3 when any finding reaches this severity (info|low|medium|high|critical)")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}, CLI::ignore_case));

  cli::Action action;
  cli::add_attest(app, action);
  cli::add_hunt(app, action);
  cli::add_inspect(app, action);
  cli::add_fleet(app, action);
  cli::add_serve(app, action);
  cli::add_version(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message naming the bad flag
    return core::kExitUsage;
  }

  if (!action) {
    std::cerr << "supplyguard: nothing to do (see --help)\n";
    return core::kExitUsage;
  }
  cli::Output out(globals, std::cout);
  try {
    const int rc = action(out);
    const int gate = out.finish();
    return rc != core::kExitOk ? rc : gate;
  } catch (const core::InputError& e) {
    out.finish();  // what was found before the bad input is still reported
    std::cerr << "supplyguard: " << e.what() << "\n";
    return core::kExitUsage;
  } catch (const std::exception& e) {
    out.finish();
    std::cerr << "supplyguard: " << e.what() << "\n";
    return core::kExitUsage;
  }
}
