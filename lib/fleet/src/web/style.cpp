#include "web/style.hpp"

namespace sg::fleet::web {

std::string_view stylesheet() {
  return R"css(
:root { --fg: #1d2330; --muted: #5b6475; --line: #d0d4dc; --bg: #ffffff; --band: #f4f6f9; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
       margin: 0 auto; padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
a { color: #1f5fbf; }
.note, .meta { color: var(--muted); }
.counts { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; background: var(--band); }
.counts b { font-size: 18px; margin-right: 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top;
         overflow-wrap: anywhere; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12px; }
.verdict, .sev { display: inline-block; border-radius: 4px; padding: 0 6px; font-weight: 600; font-size: 12px;
                 white-space: nowrap; overflow-wrap: normal; }
.verdict-clean { background: #dff3e4; color: #17652f; }
.verdict-suspect { background: #fff1c2; color: #7a5300; }
.verdict-compromised { background: #fbd5d9; color: #8c0f1f; }
.sev-info { background: #eceef2; color: #4a5161; }
.sev-low { background: #dce9f7; color: #21507f; }
.sev-medium { background: #fff1c2; color: #7a5300; }
.sev-high { background: #ffe0c7; color: #8a3d00; }
.sev-critical { background: #fbd5d9; color: #8c0f1f; }
section.host { border-top: 1px solid var(--line); }
.hostlist { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 6px; }
.hostlist li { background: var(--band); border-radius: 4px; padding: 0 6px; }
svg.timeline { width: 100%; max-width: 960px; height: auto; font-family: system-ui, sans-serif; }
input.filter { font: inherit; padding: 4px 8px; width: 320px; max-width: 100%; margin: 8px 0; }
tr.hidden { display: none; }
)css";
}

}  // namespace sg::fleet::web
