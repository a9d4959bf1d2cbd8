// supplyguard: is this server still its original design, and is anything on it phoning home?
// Thin front end: parsing and exit codes in command.cpp, all capability in lib/.
#include "command.hpp"

int main(int argc, char** argv) {
  using namespace sg::cli;
  return run(argc, argv, {add_attest, add_hunt, add_inspect_exec, add_fleet, add_serve, add_version});
}
