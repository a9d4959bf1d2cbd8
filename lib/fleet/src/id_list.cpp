#include <ostream>

#include "supplyguard/fleet/fleet.hpp"

namespace sg::fleet {

IdList::IdList(std::initializer_list<std::string_view> ids) {
  for (const auto id : ids) push_back(id);
}

IdList::IdList(const std::vector<std::string>& ids) {
  for (const auto& id : ids) push_back(id);
}

IdList IdList::from_text(std::string_view text) {
  IdList out;
  out.text_.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find(' ', at), text.size());
    if (end > at) out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

void IdList::push_back(std::string_view id) {
  if (id.empty()) return;
  if (!text_.empty()) text_ += ' ';
  text_ += id;
  ++n_;
}

bool IdList::insert_sorted(std::string_view id, std::size_t cap) {
  if (id.empty() || cap == 0) return false;
  std::size_t at = 0, index = 0;
  for (; at < text_.size(); ++index) {
    const auto end = std::min(text_.find(' ', at), text_.size());
    const std::string_view token(text_.data() + at, end - at);
    if (token == id) return false;
    if (id < token) break;
    at = end + 1;
  }
  if (index >= cap) return false;  // larger than the cap smallest
  if (at >= text_.size()) {
    push_back(id);
  } else {
    text_.insert(at, std::string(id) + ' ');
    ++n_;
  }
  if (n_ > cap) {  // drop the largest
    text_.erase(text_.rfind(' '));
    --n_;
  }
  return true;
}

std::string_view IdList::front() const { return empty() ? std::string_view() : *begin(); }

bool IdList::contains(std::string_view id) const {
  for (const auto token : *this)
    if (token == id) return true;
  return false;
}

std::vector<std::string> IdList::to_vector() const {
  std::vector<std::string> out;
  out.reserve(n_);
  for (const auto token : *this) out.emplace_back(token);
  return out;
}

std::string_view IdList::const_iterator::operator*() const {
  const auto end = std::min(text_->find(' ', at_), text_->size());
  return std::string_view(*text_).substr(at_, end - at_);
}

IdList::const_iterator& IdList::const_iterator::operator++() {
  const auto space = text_->find(' ', at_);
  at_ = space == std::string::npos ? text_->size() + 1 : space + 1;
  return *this;
}

void to_json(core::Json& j, const IdList& ids) {
  j = core::Json::array();
  for (const auto id : ids) j.push_back(std::string(id));
}

std::ostream& operator<<(std::ostream& out, const IdList& ids) { return out << "[" << ids.text() << "]"; }

}  // namespace sg::fleet
