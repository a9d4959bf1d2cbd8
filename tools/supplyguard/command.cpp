#include "command.hpp"

#include <iostream>

namespace sg::cli {

Output::Output(const Globals& g, std::ostream& out)
    : format_(core::parse_format(g.format).value_or(core::Format::jsonl)),
      writer_(core::make_writer(format_, out)),
      gate_(g.fail_on.empty() ? std::nullopt : core::parse_severity(g.fail_on)) {}

Output::~Output() = default;

void Output::emit(const core::Finding& f) {
  gate_.observe(f);
  writer_->write(f);
}

int Output::finish() {
  if (!finished_) {
    writer_->finish();
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

}  // namespace sg::cli
