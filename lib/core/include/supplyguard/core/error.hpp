#pragma once
// The one error type for bad outside input. It always says which input and where, so a user can
// open the file at the spot: "cap.pcap: byte 1048576: truncated packet record".
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace sg::core {

class InputError : public std::runtime_error {
 public:
  struct Where {
    std::string source;                 // file name, interface, or "<stdin>"
    std::optional<std::uint64_t> offset;  // byte offset into source
    std::optional<std::uint64_t> line;    // 1-based line number
  };

  InputError(Where where, const std::string& what);

  static InputError at_offset(std::string source, std::uint64_t offset, const std::string& what);
  static InputError at_line(std::string source, std::uint64_t line, const std::string& what);
  static InputError in(std::string source, const std::string& what);

  const Where& where() const noexcept { return where_; }
  // The message without the location prefix.
  const std::string& reason() const noexcept { return reason_; }

 private:
  Where where_;
  std::string reason_;
};

}  // namespace sg::core
