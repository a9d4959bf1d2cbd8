#pragma once
// Escaping for everything the report and the dashboard print. Finding text comes from outside
// (packet payload names, snapshot strings, a hostile CMDB export), so no byte of it may reach a
// page unescaped: html() for text and double-quoted attribute values, path_segment() for the one
// kind of link we build from data (/host/<name>).
#include <string>
#include <string_view>

namespace sg::fleet::web {

// Text or attribute value: escapes & < > " ' and replaces what a browser could misread (invalid
// UTF-8, C0 controls other than tab/newline, DEL, NUL) with U+FFFD, so the page stays valid.
std::string html(std::string_view text);
void append_html(std::string& out, std::string_view text);

// Percent-encodes everything outside RFC 3986 unreserved characters, '/' included, so a host
// name like "../x" or "javascript:..." can only ever be one path segment under our own prefix.
std::string path_segment(std::string_view text);

// A log line must stay one line: controls and non-ASCII bytes become \xNN.
std::string log_safe(std::string_view text);

}  // namespace sg::fleet::web
