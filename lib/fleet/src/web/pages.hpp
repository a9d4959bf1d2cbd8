#pragma once
// The dashboard's HTML pages. Rendered on the server from the view (escaped like the report), so
// they work without script; /static/app.js only adds the filter boxes and reads textContent.
#include <string>
#include <string_view>

#include "web/view_index.hpp"

namespace sg::fleet::web {

std::string dashboard_page(const ViewIndex& index);
std::string host_page(const ViewIndex& index, const std::string& host);  // host must be known
std::string message_page(std::string_view title, std::string_view message);
std::string_view app_js();

}  // namespace sg::fleet::web
