// Statements: text, {{ }}, if/elif/else, for/else, set, and the errors for
// every tag outside the supported subset.

#include "compiler/template/parser.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace cairn::jinja_internal {
namespace {

// Jinja2 tags (and tags of its common extensions) this engine rejects.
constexpr std::string_view kUnsupportedTags[] = {
    "block",  "extends",  "print",      "macro", "include",   "from",
    "import", "with",     "autoescape", "call",  "filter",    "do",
    "break",  "continue", "debug",      "trans", "pluralize",
};

// Tags that only make sense inside or at the end of some block.
constexpr std::string_view kInnerTags[] = {
    "elif",          "else",     "endif",    "endfor",    "endset",
    "endblock",      "endmacro", "endcall",  "endfilter", "endwith",
    "endautoescape", "endraw",   "endtrans",
};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view name) {
  for (std::string_view s : list) {
    if (s == name) return true;
  }
  return false;
}

std::unique_ptr<Node> MakeNode(NodeKind kind, Span span) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->span = span;
  return node;
}

}  // namespace

std::optional<SourceError> ParseTokens(const std::vector<Token>& tokens,
                                       int max_nesting, Body* body) {
  return Parser(tokens, max_nesting).Run(body);
}

std::optional<SourceError> Parser::Run(Body* body) {
  std::string_view found;
  ParseBody({}, body, &found);
  return std::move(error_);
}

bool Parser::ParseBody(const std::vector<std::string_view>& end_names,
                       Body* body, std::string_view* found) {
  while (true) {
    const Token& token = Current();
    switch (token.kind) {
      case TokenKind::kData: {
        auto node = MakeNode(NodeKind::kText, token.span);
        node->text = token.text;
        body->push_back(std::move(node));
        Next();
        break;
      }
      case TokenKind::kVariableBegin: {
        Span begin = token.span;
        Next();
        ExprPtr expr = ParseTuple(true, "", false);
        if (expr == nullptr) return false;
        if (!Is(TokenKind::kVariableEnd)) return FailUnexpected("'}}'");
        auto node =
            MakeNode(NodeKind::kOutput, {begin.begin, Current().span.end});
        node->expr = std::move(expr);
        body->push_back(std::move(node));
        Next();
        break;
      }
      case TokenKind::kBlockBegin: {
        Next();
        if (Is(TokenKind::kName)) {
          for (std::string_view end : end_names) {
            if (Current().text == end) {
              *found = end;
              return true;
            }
          }
        }
        if (!ParseStatement(body)) return false;
        break;
      }
      case TokenKind::kEof: {
        if (end_names.empty()) return true;
        const OpenBlock& open = open_blocks_.back();
        return Fail(open.span,
                    StrCat("this {% ", open.name, " %} is never closed: {% end",
                           open.name, " %} is missing"));
      }
      default:
        return FailUnexpected("template data or a tag");
    }
  }
}

bool Parser::ParseStatements(const std::vector<std::string_view>& end_names,
                             Body* body, std::string_view* found) {
  SkipIf(TokenKind::kColon);
  if (!Expect(TokenKind::kBlockEnd)) return false;
  if (!Enter()) return false;
  bool ok = ParseBody(end_names, body, found);
  Leave();
  return ok;
}

bool Parser::ParseStatement(Body* body) {
  Span begin = Previous().span;
  if (!Is(TokenKind::kName)) return FailUnexpected("a tag name");
  const Token& name = Current();
  bool ok;
  if (name.text == "if") {
    ok = ParseIf(begin, body);
  } else if (name.text == "for") {
    ok = ParseFor(begin, body);
  } else if (name.text == "set") {
    ok = ParseSet(begin, body);
  } else {
    return UnexpectedTag(name);
  }
  return ok && Expect(TokenKind::kBlockEnd);
}

bool Parser::UnexpectedTag(const Token& name) {
  const std::string& tag = name.text;
  if (Contains(kUnsupportedTags, tag)) {
    return Fail(name.span, StrCat("{% ", tag, " %} is not supported"));
  }
  if (Contains(kInnerTags, tag)) {
    if (open_blocks_.empty()) {
      return Fail(name.span,
                  StrCat("unexpected {% ", tag, " %}: no block is open"));
    }
    const OpenBlock& open = open_blocks_.back();
    return Fail(
        name.span,
        StrCat("unexpected {% ", tag, " %}: the innermost open block is {% ",
               open.name, " %}, closed by {% end", open.name, " %}"));
  }
  return Fail(name.span, StrCat("unknown tag '", tag, "'"));
}

bool Parser::ParseIf(Span begin, Body* body) {
  auto node = MakeNode(NodeKind::kIf, begin);
  open_blocks_.push_back({"if", {begin.begin, Current().span.end}});
  Next();
  while (true) {
    Branch branch;
    branch.condition = ParseTuple(false, "", false);
    if (branch.condition == nullptr) return false;
    std::string_view found;
    if (!ParseStatements({"elif", "else", "endif"}, &branch.body, &found)) {
      return false;
    }
    node->branches.push_back(std::move(branch));
    Next();
    if (found == "elif") continue;
    if (found == "else") {
      if (!ParseStatements({"endif"}, &node->else_body, &found)) return false;
      Next();
    }
    break;
  }
  open_blocks_.pop_back();
  node->span.end = Previous().span.end;
  body->push_back(std::move(node));
  return true;
}

bool Parser::ParseFor(Span begin, Body* body) {
  auto node = MakeNode(NodeKind::kFor, begin);
  open_blocks_.push_back({"for", {begin.begin, Current().span.end}});
  Next();
  if (!ParseTarget("in", &node->target) || !ExpectName("in")) return false;
  for (const std::string& name : node->target.names) {
    if (name == "loop") {
      return Fail(node->target.span,
                  "the loop variable 'loop' cannot be a for loop's target");
    }
  }
  node->expr = ParseTuple(false, "recursive", false);
  if (node->expr == nullptr) return false;
  if (SkipIfName("if")) {
    node->loop_filter = ParseExpression();
    if (node->loop_filter == nullptr) return false;
  }
  if (IsName("recursive")) {
    return Fail(Current().span, "recursive loops are not supported");
  }
  std::string_view found;
  if (!ParseStatements({"endfor", "else"}, &node->body, &found)) return false;
  Next();
  if (found == "else") {
    if (!ParseStatements({"endfor"}, &node->else_body, &found)) return false;
    Next();
  }
  open_blocks_.pop_back();
  node->span.end = Previous().span.end;
  body->push_back(std::move(node));
  return true;
}

bool Parser::ParseSet(Span begin, Body* body) {
  Next();
  if (Is(TokenKind::kName) && Peek().kind == TokenKind::kDot) {
    return Fail({Current().span.begin, Peek().span.end},
                "assigning to an attribute (namespace()) is not supported");
  }
  Target target;
  if (!ParseTarget("", &target)) return false;
  if (SkipIf(TokenKind::kAssign)) {
    auto node = MakeNode(NodeKind::kSet, begin);
    node->target = std::move(target);
    node->expr = ParseTuple(true, "", false);
    if (node->expr == nullptr) return false;
    node->span.end = node->expr->span.end;
    body->push_back(std::move(node));
    return true;
  }
  if (Is(TokenKind::kPipe)) {
    return Fail(Current().span,
                "filters on {% set %} blocks are not supported");
  }
  if (target.unpack) {
    return Fail(target.span, "a {% set %} block assigns to one name only");
  }
  auto node = MakeNode(NodeKind::kSetBlock, begin);
  node->target = std::move(target);
  open_blocks_.push_back({"set", {begin.begin, Current().span.end}});
  std::string_view found;
  if (!ParseStatements({"endset"}, &node->body, &found)) return false;
  Next();
  open_blocks_.pop_back();
  node->span.end = Previous().span.end;
  body->push_back(std::move(node));
  return true;
}

bool Parser::ParseTarget(std::string_view extra_end, Target* target) {
  target->span = Current().span;
  while (true) {
    if (!target->names.empty() && !Expect(TokenKind::kComma)) return false;
    if (IsTupleEnd(extra_end)) break;
    if (!Is(TokenKind::kName)) {
      return Fail(Current().span, StrCat("expected a variable name, found ",
                                         Describe(Current().kind)));
    }
    const std::string& name = Current().text;
    if (name == "true" || name == "false" || name == "True" ||
        name == "False" || name == "none" || name == "None") {
      return Fail(Current().span, StrCat("cannot assign to '", name, "'"));
    }
    target->names.push_back(name);
    target->span.end = Current().span.end;
    Next();
    if (Is(TokenKind::kComma)) {
      target->unpack = true;
    } else {
      break;
    }
  }
  if (target->names.empty()) {
    return Fail(Current().span, StrCat("expected a variable name, found ",
                                       Describe(Current().kind)));
  }
  return true;
}

bool Parser::SkipIf(TokenKind kind) {
  if (!Is(kind)) return false;
  Next();
  return true;
}

bool Parser::SkipIfName(std::string_view name) {
  if (!IsName(name)) return false;
  Next();
  return true;
}

bool Parser::Expect(TokenKind kind) {
  if (SkipIf(kind)) return true;
  return FailUnexpected(Describe(kind));
}

bool Parser::ExpectName(std::string_view name) {
  if (SkipIfName(name)) return true;
  return FailUnexpected(StrCat("'", name, "'"));
}

bool Parser::IsTupleEnd(std::string_view extra_end) const {
  if (Is(TokenKind::kVariableEnd) || Is(TokenKind::kBlockEnd) ||
      Is(TokenKind::kRParen)) {
    return true;
  }
  return !extra_end.empty() && IsName(extra_end);
}

bool Parser::Fail(Span span, std::string message) {
  if (!error_) error_ = SourceError{std::move(message), span};
  return false;
}

bool Parser::FailUnexpected(std::string_view expected) {
  const Token& t = Current();
  std::string found = t.kind == TokenKind::kName
                          ? StrCat("'", t.text, "'")
                          : std::string(Describe(t.kind));
  return Fail(t.span, StrCat("expected ", expected, ", found ", found));
}

bool Parser::Enter() {
  if (++depth_ > max_nesting_) {
    --depth_;
    return Fail(Current().span,
                StrCat("nested more than ", max_nesting_, " levels deep"));
  }
  return true;
}

}  // namespace cairn::jinja_internal
