#include "supplyguard/core/report.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace sg::core {

std::optional<Format> parse_format(std::string_view text) {
  if (text == "jsonl" || text == "json") return Format::jsonl;
  if (text == "table") return Format::table;
  return std::nullopt;
}

namespace {

class JsonLinesWriter final : public FindingWriter {
 public:
  explicit JsonLinesWriter(std::ostream& out) : out_(out) {}
  void write(const Finding& f) override { out_ << to_json_line(f) << '\n'; }
  void finish() override { out_.flush(); }

 private:
  std::ostream& out_;
};

class TableWriter final : public FindingWriter {
 public:
  explicit TableWriter(std::ostream& out) : out_(out) {}
  void write(const Finding& f) override { rows_.push_back(f); }
  void finish() override {
    write_table(rows_, out_);
    rows_.clear();
  }

 private:
  std::ostream& out_;
  std::vector<Finding> rows_;
};

std::string fmt_score(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(s, 0.0, 1.0));
  return buf;
}

}  // namespace

std::unique_ptr<FindingWriter> make_writer(Format format, std::ostream& out) {
  if (format == Format::table) return std::make_unique<TableWriter>(out);
  return std::make_unique<JsonLinesWriter>(out);
}

void write_table(const std::vector<Finding>& findings, std::ostream& out) {
  std::vector<const Finding*> order;
  for (const auto& f : findings) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](const Finding* a, const Finding* b) {
    if (a->severity != b->severity) return a->severity > b->severity;
    return a->score > b->score;
  });
  const std::vector<std::string> header = {"SEVERITY", "SCORE", "PLANE", "TYPE", "HOST", "SUBJECT", "SUMMARY"};
  std::vector<std::vector<std::string>> rows;
  for (const Finding* f : order)
    rows.push_back({std::string(to_string(f->severity)), fmt_score(f->score), std::string(to_string(f->plane)),
                    f->type, f->host.empty() ? "-" : f->host, f->subject.empty() ? "-" : f->subject,
                    f->summary});
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c) {
      out << r[c];
      if (c + 1 < r.size()) out << std::string(width[c] - r[c].size() + 2, ' ');
    }
    out << '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
  if (rows.empty()) out << "(no findings)\n";
  out.flush();
}

}  // namespace sg::core
