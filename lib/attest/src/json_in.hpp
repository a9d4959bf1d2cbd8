#pragma once
// Strict reading of our own JSON documents (snapshots, baselines) that may come from anywhere:
// every missing key or wrong type is an InputError naming the file and the JSON path.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "supplyguard/core/error.hpp"
#include "supplyguard/core/finding.hpp"  // json_error_text

namespace sg::attest::detail {

template <class J>
class JsonIn {
 public:
  JsonIn(const J& j, std::string path, const std::string& source) : j_(j), path_(std::move(path)), src_(source) {
    if (!j_.is_object()) fail("expected an object");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw core::InputError::in(src_, (path_.empty() ? std::string("top level") : path_) + ": " + what);
  }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const J* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const J& need(const char* key) const {
    if (auto* v = find(key)) return *v;
    fail(std::string("missing \"") + key + "\"");
  }
  std::string str(const char* key, bool required = true) const {
    const J* v = required ? &need(key) : find(key);
    if (!v) return "";
    if (!v->is_string()) JsonIn(j_, at(key), src_).fail_type("a string");
    return v->template get<std::string>();
  }
  std::uint64_t uint(const char* key, bool required = true) const {
    const J* v = required ? &need(key) : find(key);
    if (!v) return 0;
    if (!v->is_number_unsigned()) JsonIn(j_, at(key), src_).fail_type("a non-negative integer");
    return v->template get<std::uint64_t>();
  }
  bool boolean(const char* key) const {
    const J& v = need(key);
    if (!v.is_boolean()) JsonIn(j_, at(key), src_).fail_type("true or false");
    return v.template get<bool>();
  }
  const J& array(const char* key, bool required = true) const {
    static const J empty = J::array();
    const J* v = required ? &need(key) : find(key);
    if (!v) return empty;
    if (!v->is_array()) JsonIn(j_, at(key), src_).fail_type("an array");
    return *v;
  }
  JsonIn object(const char* key) const { return JsonIn(need(key), at(key), src_); }
  JsonIn element(const J& e, std::size_t i, const char* key) const { return JsonIn(e, at(key) + "[" + std::to_string(i) + "]", src_); }
  // A {"k":"v"} object of strings.
  template <class Map>
  void string_map(const char* key, Map& out, bool required = true) const {
    const J* v = required ? &need(key) : find(key);
    if (!v) return;
    if (!v->is_object()) JsonIn(j_, at(key), src_).fail_type("an object of strings");
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (!it.value().is_string()) JsonIn(j_, at(key) + "." + it.key(), src_).fail_type("a string");
      out[it.key()] = it.value().template get<std::string>();
    }
  }
  // This object itself as {"k":"v"} strings.
  template <class Map>
  void string_map_self(Map& out) const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!it.value().is_string()) JsonIn(j_, at(it.key()), src_).fail_type("a string");
      out[it.key()] = it.value().template get<std::string>();
    }
  }
  const J& raw() const { return j_; }
  const std::string& path() const { return path_; }
  const std::string& source() const { return src_; }

 private:
  [[noreturn]] void fail_type(const char* what) const {
    throw core::InputError::in(src_, path_ + ": expected " + what);
  }
  const J& j_;
  std::string path_;
  const std::string& src_;
};

// Parses text, turning a syntax error into InputError at the byte offset.
template <class J>
J parse_json_text(std::string_view text, const std::string& source) {
  try {
    return J::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string msg = e.what();
    if (auto p = msg.find("syntax error"); p != std::string::npos) msg = msg.substr(p);
    throw core::InputError::at_offset(source, e.byte > 0 ? e.byte - 1 : 0, "invalid JSON: " + msg);
  } catch (const nlohmann::json::exception& e) {
    // Not a syntax error but still unreadable, e.g. a number too large for a double (found by
    // fuzz_attest_json); nlohmann gives no offset for these.
    throw core::InputError::in(source, "invalid JSON: " + core::json_error_text(e));
  }
}

std::string read_whole_file(const std::string& path);  // InputError when it cannot be read

}  // namespace sg::attest::detail
