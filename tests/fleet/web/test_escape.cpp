// Escaping and the small parsers in front of the server: listen address, bearer, cookie.
#include <gtest/gtest.h>

#include "supplyguard/core/error.hpp"
#include "web/auth.hpp"
#include "web/escape.hpp"
#include "web/listen.hpp"

namespace sg::fleet::web {
namespace {

TEST(Escape, MarkupCharactersBecomeEntities) {
  EXPECT_EQ(html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(html("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
  EXPECT_EQ(html("</style>"), "&lt;/style&gt;");
  EXPECT_EQ(html("&amp;"), "&amp;amp;");  // already-escaped text is escaped again: it is data
}

TEST(Escape, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(html("h\xC3\xB6st \xE2\x9C\x93 \xF0\x9F\x94\x92"), "h\xC3\xB6st \xE2\x9C\x93 \xF0\x9F\x94\x92");
  EXPECT_EQ(html("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html("\xC3"), "\xEF\xBF\xBD");                 // truncated sequence at the end
  EXPECT_EQ(html("\xC0\xBC"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '<' is not a '<'
  EXPECT_EQ(html("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Escape, ControlCharactersAreReplacedButWhitespaceKept) {
  EXPECT_EQ(html(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html("a\x01\x7F" "b"), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  EXPECT_EQ(html("a\tb\nc\r"), "a\tb\nc\r");
}

TEST(Escape, PathSegmentEncodesEverythingButUnreserved) {
  EXPECT_EQ(path_segment("smx-b17_01.x~"), "smx-b17_01.x~");
  EXPECT_EQ(path_segment("rack/../../etc/passwd"), "rack%2F..%2F..%2Fetc%2Fpasswd");
  EXPECT_EQ(path_segment(".."), "%2E%2E");
  EXPECT_EQ(path_segment("."), "%2E");
  EXPECT_EQ(path_segment("javascript:alert(1)"), "javascript%3Aalert%281%29");
  EXPECT_EQ(path_segment("<a \"b\">"), "%3Ca%20%22b%22%3E");
  EXPECT_EQ(path_segment("\xC3\xB6"), "%C3%B6");
}

TEST(Escape, LogLinesStayOneLine) {
  EXPECT_EQ(log_safe("/x\r\nFAKE 200"), "/x\\x0d\\x0aFAKE 200");
  EXPECT_EQ(log_safe("a\\b"), "a\\x5cb");
}

TEST(Listen, AcceptsLoopbackForms) {
  auto a = parse_listen("127.0.0.1:8080");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 8080);
  EXPECT_TRUE(a.loopback);
  EXPECT_TRUE(parse_listen("127.1.2.3:0").loopback);
  auto b = parse_listen("[::1]:9000");
  EXPECT_EQ(b.host, "::1");
  EXPECT_TRUE(b.loopback);
  auto c = parse_listen("localhost:1");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_TRUE(c.loopback);
}

TEST(Listen, NonLoopbackIsParsedButMarked) {
  EXPECT_FALSE(parse_listen("0.0.0.0:8080").loopback);
  EXPECT_FALSE(parse_listen("192.168.1.10:8080").loopback);
  EXPECT_FALSE(parse_listen("[::]:8080").loopback);
}

TEST(Listen, RejectsMalformed) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:80x", "127.0.0.1: 80", "300.1.1.1:80", "example.com:80", "[::1:80",
                          "[zz]:80", "::1:80", "127.0.0.1:8080\n"}) {
    try {
      parse_listen(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const core::InputError& e) {
      EXPECT_EQ(e.where().source, "--listen") << bad;
    }
  }
}

TEST(Auth, TokenMatchesOnlyItself) {
  TokenCheck t("s3cret");
  EXPECT_TRUE(t.matches("s3cret"));
  EXPECT_FALSE(t.matches("s3cre"));
  EXPECT_FALSE(t.matches("s3cret "));
  EXPECT_FALSE(t.matches(""));
  EXPECT_EQ(t.session_value().size(), 64u);
  EXPECT_EQ(t.session_value().find("s3cret"), std::string::npos);
  EXPECT_TRUE(t.session_matches(t.session_value()));
  EXPECT_FALSE(t.session_matches(TokenCheck("other").session_value()));
  EXPECT_FALSE(t.session_matches("s3cret"));
  EXPECT_THROW(TokenCheck(""), std::invalid_argument);
}

TEST(Auth, BearerAndCookieParsing) {
  EXPECT_EQ(bearer("Bearer abc"), "abc");
  EXPECT_EQ(bearer("bearer  abc "), "abc");
  EXPECT_EQ(bearer("Basic abc"), "");
  EXPECT_EQ(bearer("Bearer"), "");
  EXPECT_EQ(bearer(""), "");
  EXPECT_EQ(cookie_value("a=1; sg_session=xyz; b=2", "sg_session"), "xyz");
  EXPECT_EQ(cookie_value("sg_session=xyz", "sg_session"), "xyz");
  EXPECT_EQ(cookie_value("xsg_session=1", "sg_session"), "");
  EXPECT_EQ(cookie_value("", "sg_session"), "");
  EXPECT_EQ(cookie_value(";;=;sg_session", "sg_session"), "");
}

}  // namespace
}  // namespace sg::fleet::web
