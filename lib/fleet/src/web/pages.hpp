#pragma once
// The dashboard's HTML pages. Rendered on the server from the view (escaped like the report), so
// they work without script; /static/app.js only adds the filter boxes and reads textContent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "web/view_index.hpp"

namespace sg::fleet::web {

// Hosts [begin, begin + count) of index.hosts(); a link to the next page when there are more.
std::string dashboard_page(const ViewIndex& index, std::size_t begin = 0, std::size_t count = SIZE_MAX);
// host must be known; `total`: how many findings the host has when the index holds only the
// first of them (a page at scale).
std::string host_page(const ViewIndex& index, const std::string& host, std::optional<std::size_t> total = {});
std::string message_page(std::string_view title, std::string_view message);
std::string_view app_js();

}  // namespace sg::fleet::web
