// supplyguard-inspect: the inspect plane's executable, started by `supplyguard inspect` (see
// add_inspect_exec); it alone links OpenCV. Runnable directly with the same arguments.
#include "command.hpp"

int main(int argc, char** argv) {
  using namespace sg::cli;
  return run(argc, argv, {add_inspect, add_version});
}
