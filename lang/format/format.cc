#include "lang/format/format.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "base/strings.h"

namespace cairn {
namespace {

constexpr size_t kMaxOneLineBody = 100;

// One line-level item of a body: a statement, a comment, or a blank line.
struct Item {
  enum Kind { kStmt, kComment, kBlank } kind = kStmt;
  std::string text;      // Statement text (may span lines) or the comment.
  std::string name;      // For attributes on one line: the name, to align.
  std::string trailing;  // A comment on the statement's last line.
};

class Printer {
 public:
  Printer(const SourceFile& source, const ast::File& file)
      : text_(source.text()), comments_(file.comments) {}

  std::string File(absl::Span<const ast::Stmt* const> stmts) {
    std::vector<Item> items = Stmts(stmts, 0, 0, text_.size());
    std::string out = Join(items, 0);
    return out;
  }

 private:
  // Renders statements of one body (or the file) at `indent`, with the
  // comments that fall in [begin, end).
  std::vector<Item> Stmts(absl::Span<const ast::Stmt* const> stmts, int indent,
                          uint32_t begin, uint32_t end) {
    std::vector<Item> items;
    uint32_t previous_end = begin;
    bool first = true;
    for (const ast::Stmt* stmt : stmts) {
      Comments(items, stmt->begin, previous_end, first);
      if (!first && !items.empty() && items.back().kind != Item::kBlank &&
          items.back().kind != Item::kComment &&
          HasBlankLine(previous_end, stmt->begin)) {
        items.push_back({Item::kBlank});
      }
      if (!items.empty() && items.back().kind == Item::kComment &&
          HasBlankLine(LastCommentEnd(), stmt->begin)) {
        items.push_back({Item::kBlank});
      }
      Item item = Stmt(*stmt, indent);
      // Comments inside the statement that nothing placed: keep them, after.
      std::vector<Item> inner;
      while (next_comment_ < comments_.size() &&
             comments_[next_comment_].begin < stmt->end) {
        inner.push_back({Item::kComment, CommentText(next_comment_++)});
      }
      item.trailing = Trailing(stmt->end);
      items.push_back(std::move(item));
      for (Item& c : inner) items.push_back(std::move(c));
      previous_end = stmt->end;
      first = false;
    }
    Comments(items, end, previous_end, first);
    return items;
  }

  // Adds own-line comments that start before `before`, with blank lines
  // kept between them and what came before.
  void Comments(std::vector<Item>& items, uint32_t before,
                uint32_t previous_end, bool first) {
    while (next_comment_ < comments_.size() &&
           comments_[next_comment_].begin < before) {
      const ast::Comment& c = comments_[next_comment_];
      uint32_t gap_from = !items.empty() && items.back().kind == Item::kComment
                              ? LastCommentEnd()
                              : previous_end;
      if (!items.empty() && items.back().kind != Item::kBlank &&
          HasBlankLine(gap_from, c.begin)) {
        items.push_back({Item::kBlank});
      }
      (void)first;
      items.push_back({Item::kComment, CommentText(next_comment_++)});
    }
  }

  // A comment on the same line right after `end`, consumed.
  std::string Trailing(uint32_t end) {
    if (next_comment_ >= comments_.size()) return "";
    const ast::Comment& c = comments_[next_comment_];
    if (c.begin < end) return "";
    for (uint32_t i = end; i < c.begin; ++i) {
      if (text_[i] == '\n') return "";
    }
    return CommentText(next_comment_++);
  }

  uint32_t LastCommentEnd() const {
    return next_comment_ == 0 ? 0 : comments_[next_comment_ - 1].end;
  }

  std::string CommentText(size_t index) {
    std::string_view c = Slice(comments_[index].begin, comments_[index].end);
    while (!c.empty() &&
           (c.back() == ' ' || c.back() == '\t' || c.back() == '\r')) {
      c.remove_suffix(1);
    }
    return std::string(c);
  }

  bool HasBlankLine(uint32_t from, uint32_t to) const {
    int newlines = 0;
    for (uint32_t i = from; i < to && i < text_.size(); ++i) {
      if (text_[i] == '\n' && ++newlines >= 2) return true;
    }
    return false;
  }

  bool SpansLines(uint32_t begin, uint32_t end) const {
    for (uint32_t i = begin; i < end && i < text_.size(); ++i) {
      if (text_[i] == '\n') return true;
    }
    return false;
  }

  bool HasCommentIn(uint32_t begin, uint32_t end) const {
    for (size_t i = next_comment_; i < comments_.size(); ++i) {
      if (comments_[i].begin >= end) return false;
      if (comments_[i].begin >= begin) return true;
    }
    return false;
  }

  // Joins items at `indent`, aligning '=' in runs of one-line attributes.
  std::string Join(std::vector<Item>& items, int indent) {
    // Drop blank lines at the start and end.
    while (!items.empty() && items.back().kind == Item::kBlank)
      items.pop_back();
    size_t start = 0;
    while (start < items.size() && items[start].kind == Item::kBlank) ++start;
    std::string pad(indent * 2, ' ');
    std::string out;
    size_t i = start;
    while (i < items.size()) {
      // A run of alignable attributes.
      size_t j = i;
      size_t width = 0;
      while (j < items.size() && items[j].kind == Item::kStmt &&
             !items[j].name.empty()) {
        width = std::max(width, items[j].name.size());
        ++j;
      }
      if (j > i) {
        for (size_t k = i; k < j; ++k) {
          StrAppend(&out, pad, items[k].name,
                    std::string(width - items[k].name.size(), ' '), " = ",
                    items[k].text);
          if (!items[k].trailing.empty()) {
            StrAppend(&out, " ", items[k].trailing);
          }
          out += '\n';
        }
        i = j;
        continue;
      }
      const Item& item = items[i++];
      switch (item.kind) {
        case Item::kBlank:
          out += '\n';
          break;
        case Item::kComment:
          StrAppend(&out, pad, item.text, "\n");
          break;
        case Item::kStmt:
          StrAppend(&out, pad, item.text);
          if (!item.trailing.empty()) StrAppend(&out, " ", item.trailing);
          out += '\n';
          break;
      }
    }
    return out;
  }

  // A body: "{}", "{ a = 1, b = 2 }" or a block over several lines.
  std::string Body(const ast::Body& body, int indent) {
    if (body.stmts.empty() && !HasCommentIn(body.begin, body.end)) {
      return "{}";
    }
    if (!SpansLines(body.begin, body.end) &&
        !HasCommentIn(body.begin, body.end) && OneLineStmts(body.stmts)) {
      std::string line = "{ ";
      for (size_t i = 0; i < body.stmts.size(); ++i) {
        if (i > 0) line += ", ";
        line += Render(*body.stmts[i], indent + 1).text_with_name();
      }
      line += " }";
      if (line.size() <= kMaxOneLineBody) return line;
    }
    std::vector<Item> items =
        Stmts(body.stmts, indent + 1, body.begin + 1, body.end);
    return StrCat("{\n", Join(items, indent + 1), std::string(indent * 2, ' '),
                  "}");
  }

  bool OneLineStmts(absl::Span<const ast::Stmt* const> stmts) const {
    for (const ast::Stmt* s : stmts) {
      switch (s->kind) {
        case ast::StmtKind::kAttr:
        case ast::StmtKind::kRule:
        case ast::StmtKind::kUse:
        case ast::StmtKind::kLet:
          break;
        case ast::StmtKind::kBlock:
          if (!static_cast<const ast::BlockStmt*>(s)->body.stmts.empty()) {
            return false;
          }
          break;
        default:
          return false;
      }
    }
    return true;
  }

  struct Rendered {
    std::string name;  // Set for attributes, printed aligned.
    std::string text;
    std::string text_with_name() const {
      return name.empty() ? text : StrCat(name, " = ", text);
    }
  };

  Item Stmt(const ast::Stmt& s, int indent) {
    Rendered r = Render(s, indent);
    Item item;
    // Only attributes whose value fits on one line take part in alignment.
    if (!r.name.empty() && r.text.find('\n') == std::string::npos) {
      item.name = r.name;
      item.text = r.text;
    } else {
      item.text = r.text_with_name();
    }
    return item;
  }

  Rendered Render(const ast::Stmt& s, int indent) {
    switch (s.kind) {
      case ast::StmtKind::kImport: {
        auto& i = static_cast<const ast::ImportStmt&>(s);
        std::string out =
            StrCat("import ", i.path ? Expr(*i.path, indent) : "");
        if (!i.alias.empty()) StrAppend(&out, " as ", i.alias.name);
        return {"", out};
      }
      case ast::StmtKind::kParam: {
        auto& p = static_cast<const ast::ParamStmt&>(s);
        std::string out = StrCat("param ", p.name.name);
        if (p.type) StrAppend(&out, ": ", Type(*p.type));
        if (p.default_value) {
          StrAppend(&out, " = ", Expr(*p.default_value, indent));
        }
        return {"", out};
      }
      case ast::StmtKind::kLet: {
        auto& l = static_cast<const ast::LetStmt&>(s);
        std::string out = StrCat("let ", l.name.name);
        if (l.type) StrAppend(&out, ": ", Type(*l.type));
        StrAppend(&out, " = ", Expr(*l.value, indent));
        return {"", out};
      }
      case ast::StmtKind::kRole: {
        auto& r = static_cast<const ast::RoleStmt&>(s);
        std::string out = StrCat("role ", r.name.name);
        if (!r.params.empty() && SpansLines(r.name.end, r.params[0].begin)) {
          // Parameters written from the line after `(` stay one a line.
          std::vector<std::pair<uint32_t, std::string>> items;
          for (const ast::RoleParam& p : r.params) {
            std::string text(p.name.name);
            if (p.type) StrAppend(&text, ": ", Type(*p.type));
            if (p.default_value) {
              StrAppend(&text, " = ", Expr(*p.default_value, indent + 1));
            }
            items.push_back({p.begin, std::move(text)});
          }
          StrAppend(&out, OneALine(items, r.name.end, r.body.begin, indent));
        } else if (!r.params.empty()) {
          out += "(";
          for (size_t i = 0; i < r.params.size(); ++i) {
            const ast::RoleParam& p = r.params[i];
            if (i > 0) out += ", ";
            out += p.name.name;
            if (p.type) StrAppend(&out, ": ", Type(*p.type));
            if (p.default_value) {
              StrAppend(&out, " = ", Expr(*p.default_value, indent));
            }
          }
          out += ")";
        }
        StrAppend(&out, " ", Body(r.body, indent));
        return {"", out};
      }
      case ast::StmtKind::kUse:
        return {"",
                StrCat("use ", Expr(*static_cast<const ast::UseStmt&>(s).role,
                                    indent))};
      case ast::StmtKind::kFor: {
        auto& f = static_cast<const ast::ForStmt&>(s);
        std::string out = StrCat("for ", f.key.name);
        if (!f.value_var.empty()) StrAppend(&out, ", ", f.value_var.name);
        StrAppend(&out, " in ", Expr(*f.iterable, indent), " ",
                  Body(f.body, indent));
        return {"", out};
      }
      case ast::StmtKind::kIf:
        return {"", If(static_cast<const ast::IfStmt&>(s), indent)};
      case ast::StmtKind::kRule: {
        auto& r = static_cast<const ast::RuleStmt&>(s);
        std::string out =
            StrCat(ast::RuleActionSpelling(r.action), " ", r.protocol.name);
        if (r.ports) StrAppend(&out, " ", Expr(*r.ports, indent));
        if (r.from) StrAppend(&out, " from ", Expr(*r.from, indent));
        if (r.to) StrAppend(&out, " to ", Expr(*r.to, indent));
        return {"", out};
      }
      case ast::StmtKind::kAttr: {
        auto& a = static_cast<const ast::AttrStmt&>(s);
        return {std::string(a.name.name), Expr(*a.value, indent)};
      }
      case ast::StmtKind::kBlock: {
        auto& b = static_cast<const ast::BlockStmt&>(s);
        std::string out(b.type.name);
        for (const ast::Expr* label : b.labels) {
          // A label is a string, a name or a dotted name; anything else
          // was written in parentheses, which the tree does not keep.
          bool plain = label->kind == ast::ExprKind::kString;
          for (const ast::Expr* e = label; !plain;) {
            if (e->kind == ast::ExprKind::kName) {
              plain = true;
            } else if (e->kind == ast::ExprKind::kMember) {
              e = static_cast<const ast::MemberExpr*>(e)->object;
            } else {
              break;
            }
          }
          StrAppend(&out, " ", plain ? "" : "(", Expr(*label, indent),
                    plain ? "" : ")");
        }
        StrAppend(&out, " ", Body(b.body, indent));
        return {"", out};
      }
    }
    return {"", ""};
  }

  std::string If(const ast::IfStmt& s, int indent) {
    std::string out = StrCat("if ", Expr(*s.condition, indent), " ",
                             Body(s.then_body, indent));
    if (s.else_if != nullptr) {
      StrAppend(&out, " else ",
                If(static_cast<const ast::IfStmt&>(*s.else_if), indent));
    } else if (s.else_body != nullptr) {
      StrAppend(&out, " else ", Body(*s.else_body, indent));
    }
    return out;
  }

  std::string Type(const ast::TypeExpr& type) {
    std::string out(type.name.name);
    if (!type.args.empty()) {
      out += "(";
      for (size_t i = 0; i < type.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += Type(*type.args[i]);
      }
      out += ")";
    }
    return out;
  }

  // Whether `e` must be wrapped in parentheses as an operand of an operator
  // with `precedence` (needed only for trees built without ParenExpr).
  static int Precedence(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::kBinary:
        return ast::BinaryOpPrecedence(
            static_cast<const ast::BinaryExpr&>(e).op);
      case ast::ExprKind::kConditional:
        return 0;
      case ast::ExprKind::kUnary:
        return 8;
      default:
        return 9;
    }
  }

  std::string Operand(const ast::Expr& e, int precedence, int indent) {
    std::string text = Expr(e, indent);
    if (Precedence(e) < precedence) return StrCat("(", text, ")");
    return text;
  }

  std::string Expr(const ast::Expr& e, int indent) {
    switch (e.kind) {
      case ast::ExprKind::kInt:
      case ast::ExprKind::kFloat:
      case ast::ExprKind::kString:
        return std::string(Slice(e.begin, e.end));
      case ast::ExprKind::kBool:
        return static_cast<const ast::BoolExpr&>(e).value ? "true" : "false";
      case ast::ExprKind::kNull:
        return "null";
      case ast::ExprKind::kName:
        return std::string(static_cast<const ast::NameExpr&>(e).name);
      case ast::ExprKind::kList: {
        auto& l = static_cast<const ast::ListExpr&>(e);
        std::vector<std::pair<const ast::Expr*, std::string>> items;
        for (const ast::Expr* item : l.items) items.push_back({item, ""});
        return Sequence("[", "]", e, items, indent);
      }
      case ast::ExprKind::kComprehension: {
        auto& c = static_cast<const ast::ComprehensionExpr&>(e);
        std::string out = StrCat("[for ", c.key.name);
        if (!c.value_var.empty()) StrAppend(&out, ", ", c.value_var.name);
        StrAppend(&out, " in ", Expr(*c.iterable, indent), ": ",
                  Expr(*c.value, indent));
        if (c.condition) StrAppend(&out, " if ", Expr(*c.condition, indent));
        out += "]";
        return out;
      }
      case ast::ExprKind::kMap: {
        auto& m = static_cast<const ast::MapExpr&>(e);
        std::vector<std::pair<const ast::Expr*, std::string>> items;
        for (const ast::MapEntry& entry : m.entries) {
          items.push_back(
              {entry.value, StrCat(Expr(*entry.key, indent), ": ")});
        }
        return Sequence("{", "}", e, items, indent);
      }
      case ast::ExprKind::kMember: {
        auto& m = static_cast<const ast::MemberExpr&>(e);
        return StrCat(Operand(*m.object, 9, indent), ".", m.member.name);
      }
      case ast::ExprKind::kIndex: {
        auto& i = static_cast<const ast::IndexExpr&>(e);
        return StrCat(Operand(*i.object, 9, indent), "[",
                      Expr(*i.index, indent), "]");
      }
      case ast::ExprKind::kCall: {
        auto& c = static_cast<const ast::CallExpr&>(e);
        // Arguments written from the line after `(` stay one a line.
        if (!c.args.empty() &&
            SpansLines(c.callee->end, c.args[0].name.empty()
                                          ? c.args[0].value->begin
                                          : c.args[0].name.begin)) {
          std::vector<std::pair<uint32_t, std::string>> items;
          for (const ast::Arg& a : c.args) {
            items.push_back(
                {a.name.empty() ? a.value->begin : a.name.begin,
                 StrCat(a.name.empty() ? "" : StrCat(a.name.name, " = "),
                        Expr(*a.value, indent + 1))});
          }
          return StrCat(Operand(*c.callee, 9, indent),
                        OneALine(items, c.callee->end, e.end, indent));
        }
        std::string out = StrCat(Operand(*c.callee, 9, indent), "(");
        for (size_t i = 0; i < c.args.size(); ++i) {
          if (i > 0) out += ", ";
          if (!c.args[i].name.empty()) {
            StrAppend(&out, c.args[i].name.name, " = ");
          }
          out += Expr(*c.args[i].value, indent);
        }
        out += ")";
        return out;
      }
      case ast::ExprKind::kUnary: {
        auto& u = static_cast<const ast::UnaryExpr&>(e);
        return StrCat(ast::UnaryOpSpelling(u.op),
                      Operand(*u.operand, 8, indent));
      }
      case ast::ExprKind::kBinary: {
        auto& b = static_cast<const ast::BinaryExpr&>(e);
        int p = ast::BinaryOpPrecedence(b.op);
        // Left-associative: the right operand needs more.
        return StrCat(Operand(*b.lhs, p, indent), " ",
                      ast::BinaryOpSpelling(b.op), " ",
                      Operand(*b.rhs, p + 1, indent));
      }
      case ast::ExprKind::kConditional: {
        auto& c = static_cast<const ast::ConditionalExpr&>(e);
        return StrCat(Operand(*c.condition, 1, indent), " ? ",
                      Operand(*c.then_value, 1, indent), " : ",
                      Expr(*c.else_value, indent));
      }
      case ast::ExprKind::kParen:
        return StrCat(
            "(", Expr(*static_cast<const ast::ParenExpr&>(e).inner, indent),
            ")");
      case ast::ExprKind::kError:
        return std::string(Slice(e.begin, e.end));
    }
    return "";
  }

  // A list or map: on one line if written so, else one item a line with a
  // trailing comma and the comments between items kept.
  std::string Sequence(
      std::string_view open, std::string_view close, const ast::Expr& e,
      const std::vector<std::pair<const ast::Expr*, std::string>>& items,
      int indent) {
    bool braces = open == "{";
    if (items.empty() && !HasCommentIn(e.begin, e.end)) {
      return StrCat(open, close);
    }
    if (!SpansLines(e.begin, e.end)) {
      std::string out(open);
      if (braces) out += ' ';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        StrAppend(&out, items[i].second, Expr(*items[i].first, indent));
      }
      if (braces) out += ' ';
      out += close;
      return out;
    }
    std::vector<Item> lines;
    uint32_t previous_end = e.begin + 1;
    for (size_t i = 0; i < items.size(); ++i) {
      const ast::Expr* value = items[i].first;
      // A map entry starts at its key, which comes before its value.
      uint32_t start = value->begin;
      Comments(lines, start, previous_end, i == 0);
      if (i > 0 && !lines.empty() && lines.back().kind == Item::kStmt &&
          HasBlankLine(previous_end, start)) {
        lines.push_back({Item::kBlank});
      }
      Item item;
      item.text = StrCat(items[i].second, Expr(*value, indent + 1), ",");
      // Skip the comma in the source before looking for a trailing comment.
      uint32_t after = value->end;
      while (after < e.end && (text_[after] == ' ' || text_[after] == ',')) {
        ++after;
      }
      item.trailing = Trailing(after);
      lines.push_back(std::move(item));
      previous_end = value->end;
    }
    Comments(lines, e.end, previous_end, false);
    return StrCat(open, "\n", Join(lines, indent + 1),
                  std::string(indent * 2, ' '), close);
  }

  // `(` then one item a line, each with a trailing comma and the comments
  // before it kept, then `)` on a line of its own: arguments or parameters
  // between `begin` (before the `(`) and `end` (after the `)`), each given
  // as its start in the source and its text.
  std::string OneALine(
      const std::vector<std::pair<uint32_t, std::string>>& items,
      uint32_t begin, uint32_t end, int indent) {
    std::vector<Item> lines;
    uint32_t previous_end = begin;
    for (size_t i = 0; i < items.size(); ++i) {
      uint32_t start = items[i].first;
      Comments(lines, start, previous_end, i == 0);
      if (i > 0 && !lines.empty() && lines.back().kind == Item::kStmt &&
          HasBlankLine(previous_end, start)) {
        lines.push_back({Item::kBlank});
      }
      Item item;
      item.text = StrCat(items[i].second, ",");
      // The item ends before the next one's start, or the `)`.
      uint32_t next = i + 1 < items.size() ? items[i + 1].first : end;
      uint32_t close = next;
      while (close > start && text_[close - 1] != ',' &&
             text_[close - 1] != ')') {
        --close;
      }
      uint32_t after = close;
      while (after < end && (text_[after] == ' ' || text_[after] == ',')) {
        ++after;
      }
      item.trailing = Trailing(after);
      lines.push_back(std::move(item));
      previous_end = close;
    }
    // Comments before the `)`.
    uint32_t paren = end;
    while (paren > begin && text_[paren - 1] != ')') --paren;
    Comments(lines, paren, previous_end, false);
    return StrCat("(\n", Join(lines, indent + 1), std::string(indent * 2, ' '),
                  ")");
  }

  std::string_view Slice(uint32_t begin, uint32_t end) const {
    return text_.substr(begin, end - begin);
  }

  std::string_view text_;
  const std::vector<ast::Comment>& comments_;
  size_t next_comment_ = 0;
};

}  // namespace

std::string Format(const SourceFile& source, const ast::File& file) {
  return Printer(source, file).File(file.stmts);
}

}  // namespace cairn
