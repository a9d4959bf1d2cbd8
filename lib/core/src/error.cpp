#include "supplyguard/core/error.hpp"

namespace sg::core {
namespace {
std::string render(const InputError::Where& w, const std::string& what) {
  std::string out = w.source.empty() ? std::string("<input>") : w.source;
  if (w.line) out += ":" + std::to_string(*w.line);
  if (w.offset) out += ": byte " + std::to_string(*w.offset);
  return out + ": " + what;
}
}  // namespace

InputError::InputError(Where where, const std::string& what)
    : std::runtime_error(render(where, what)), where_(std::move(where)), reason_(what) {}

InputError InputError::at_offset(std::string source, std::uint64_t offset, const std::string& what) {
  return InputError(Where{std::move(source), offset, std::nullopt}, what);
}
InputError InputError::at_line(std::string source, std::uint64_t line, const std::string& what) {
  return InputError(Where{std::move(source), std::nullopt, line}, what);
}
InputError InputError::in(std::string source, const std::string& what) {
  return InputError(Where{std::move(source), std::nullopt, std::nullopt}, what);
}

}  // namespace sg::core
