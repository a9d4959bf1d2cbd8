// Inventory CSV, the form a CMDB export has: RFC 4180 (quoted fields may hold commas, quotes
// doubled, line breaks), header row naming the columns, CRLF or LF line ends.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "input_util.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {
namespace {

struct Record {
  std::vector<std::string> fields;
  std::uint64_t line = 0;  // where the record starts
};

// Splits the whole text into records. Throws on an unterminated quote or a stray quote inside
// an unquoted field, naming the line.
std::vector<Record> split_csv(std::string_view text, const std::string& source) {
  std::vector<Record> out;
  std::uint64_t line = 1;
  std::size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // spreadsheet exports start with a BOM
  while (i < text.size()) {
    Record rec;
    rec.line = line;
    std::string field;
    bool at_field_start = true, quoted = false, end_of_record = false;
    while (!end_of_record) {
      if (i >= text.size()) {
        rec.fields.push_back(std::move(field));
        break;
      }
      const char c = text[i];
      if (at_field_start && c == '"') {
        quoted = true;
        at_field_start = false;
        ++i;
        const std::uint64_t opened = line;
        for (;;) {
          if (i >= text.size()) throw core::InputError::at_line(source, opened, "unterminated quoted field");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        // After the closing quote only a separator or the end of the record may follow.
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          throw core::InputError::at_line(source, line, "text after a closing quote");
        continue;
      }
      at_field_start = false;
      if (c == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        at_field_start = true;
        quoted = false;
        ++i;
      } else if (c == '\r' || c == '\n') {
        rec.fields.push_back(std::move(field));
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        end_of_record = true;
      } else if (c == '"') {
        throw core::InputError::at_line(source, line, "quote inside an unquoted field (quote the whole field)");
      } else {
        field += c;
        ++i;
      }
    }
    (void)quoted;
    out.push_back(std::move(rec));
  }
  return out;
}

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool blank(const Record& r) {
  return std::all_of(r.fields.begin(), r.fields.end(), [](const std::string& f) { return trim(f).empty(); });
}

}  // namespace

std::vector<HostInfo> parse_inventory(std::string_view text, const std::string& source) {
  auto records = split_csv(text, source);
  auto first = std::find_if(records.begin(), records.end(), [](const Record& r) { return !blank(r); });
  if (first == records.end()) throw core::InputError::in(source, "empty inventory (expected a header host,model,batch,addresses)");
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < first->fields.size(); ++i) {
    const std::string name = lower(trim(first->fields[i]));
    if (!name.empty() && !col.emplace(name, i).second)
      throw core::InputError::at_line(source, first->line, "column \"" + name + "\" appears twice in the header");
  }
  for (const char* need : {"host", "model", "addresses"})
    if (!col.count(need))
      throw core::InputError::at_line(source, first->line,
                                      std::string("header lacks the \"") + need + "\" column (expected host,model,batch,addresses)");
  auto get = [&](const Record& r, const char* name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= r.fields.size()) return {};
    return trim(r.fields[it->second]);
  };

  std::vector<HostInfo> hosts;
  std::map<std::string, std::string> owner;  // address -> host, to refuse an address owned twice
  std::set<std::string> seen;
  for (auto it = std::next(first); it != records.end(); ++it) {
    if (blank(*it)) continue;
    if (it->fields.size() > first->fields.size())
      throw core::InputError::at_line(source, it->line, "more fields than the header has");
    HostInfo h;
    h.host = get(*it, "host");
    h.model = get(*it, "model");
    h.batch = get(*it, "batch");
    if (h.host.empty()) throw core::InputError::at_line(source, it->line, "empty host name");
    check_text(h.host, source, it->line, "host");
    check_text(h.model, source, it->line, "model");
    check_text(h.batch, source, it->line, "batch");
    if (!seen.insert(h.host).second)
      throw core::InputError::at_line(source, it->line, "host \"" + h.host + "\" appears twice");
    std::string list = get(*it, "addresses");
    std::replace(list.begin(), list.end(), ';', ' ');
    std::replace(list.begin(), list.end(), '\t', ' ');
    std::istringstream words(list);
    for (std::string a; words >> a;) {
      auto norm = normalize_address(a);
      if (!norm) throw core::InputError::at_line(source, it->line, "not an IP address: \"" + a + "\"");
      auto [o, fresh] = owner.emplace(*norm, h.host);
      if (!fresh && o->second != h.host)
        throw core::InputError::at_line(source, it->line,
                                        "address " + *norm + " belongs to both " + o->second + " and " + h.host);
      if (fresh) h.addresses.push_back(*norm);
    }
    hosts.push_back(std::move(h));
  }
  return hosts;
}

std::vector<HostInfo> read_inventory(const std::string& path) { return parse_inventory(read_file(path), path); }

}  // namespace sg::fleet
