#pragma once
// The one stylesheet: inlined into the report (a file opened from disk has no server to ask),
// served as /static/app.css by the dashboard (its CSP allows styles from 'self' only).
#include <string_view>

namespace sg::fleet::web {

std::string_view stylesheet();

}  // namespace sg::fleet::web
