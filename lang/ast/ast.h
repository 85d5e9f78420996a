#ifndef CAIRN_LANG_AST_AST_H_
#define CAIRN_LANG_AST_AST_H_

// The syntax tree of one .cairn file. Nodes live in the File's arena and
// point into the SourceFile's text, which must outlive the tree. Every node
// has a byte range [begin, end) in its file. The kinds are listed once, in
// the X-macros below; a switch over them has no default.

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "lang/ast/arena.h"
#include "lang/source/source.h"

namespace cairn::ast {

#define CAIRN_EXPR_KINDS(X) \
  X(Int)                    \
  X(Float)                  \
  X(String)                 \
  X(Bool)                   \
  X(Null)                   \
  X(Name)                   \
  X(List)                   \
  X(Comprehension)          \
  X(Map)                    \
  X(Member)                 \
  X(Index)                  \
  X(Call)                   \
  X(Unary)                  \
  X(Binary)                 \
  X(Conditional)            \
  X(Paren)                  \
  X(Error)

#define CAIRN_STMT_KINDS(X) \
  X(Import)                 \
  X(Param)                  \
  X(Let)                    \
  X(Role)                   \
  X(Use)                    \
  X(For)                    \
  X(If)                     \
  X(Rule)                   \
  X(Attr)                   \
  X(Block)

enum class ExprKind : uint8_t {
#define CAIRN_X(name) k##name,
  CAIRN_EXPR_KINDS(CAIRN_X)
#undef CAIRN_X
};

enum class StmtKind : uint8_t {
#define CAIRN_X(name) k##name,
  CAIRN_STMT_KINDS(CAIRN_X)
#undef CAIRN_X
};

// A name as written, with its range. Empty when absent.
struct Ident {
  std::string_view name;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool empty() const { return name.empty(); }
};

struct Expr {
  ExprKind kind;
  uint32_t begin = 0;
  uint32_t end = 0;

  explicit Expr(ExprKind k) : kind(k) {}
};

struct IntExpr : Expr {
  IntExpr() : Expr(ExprKind::kInt) {}
  int64_t value = 0;
};

struct FloatExpr : Expr {
  FloatExpr() : Expr(ExprKind::kFloat) {}
  double value = 0;
};

// A piece of a string: decoded text, or an interpolated expression.
struct StringPart {
  std::string_view text;       // Decoded (escapes resolved); when expr is null.
  const Expr* expr = nullptr;  // ${expr}; null for text.
};

struct StringExpr : Expr {
  StringExpr() : Expr(ExprKind::kString) {}
  absl::Span<const StringPart> parts;
  bool triple = false;  // """...""" (dedented already).

  // The value when the string has no interpolation.
  bool is_literal() const {
    for (const StringPart& p : parts) {
      if (p.expr != nullptr) return false;
    }
    return true;
  }
};

struct BoolExpr : Expr {
  BoolExpr() : Expr(ExprKind::kBool) {}
  bool value = false;
};

struct NullExpr : Expr {
  NullExpr() : Expr(ExprKind::kNull) {}
};

// A reference to a name in scope: a variable, parameter, role, function, or
// the first part of a path such as host.web1.address.
struct NameExpr : Expr {
  NameExpr() : Expr(ExprKind::kName) {}
  std::string_view name;
};

struct ListExpr : Expr {
  ListExpr() : Expr(ExprKind::kList) {}
  absl::Span<const Expr* const> items;
};

// [for k, v in iterable: value if condition]
struct ComprehensionExpr : Expr {
  ComprehensionExpr() : Expr(ExprKind::kComprehension) {}
  Ident key;  // The only variable when `value_var` is empty.
  Ident value_var;
  const Expr* iterable = nullptr;
  const Expr* value = nullptr;
  const Expr* condition = nullptr;  // May be null.
};

struct MapEntry {
  // A NameExpr for a bare key, a StringExpr for a quoted one.
  const Expr* key = nullptr;
  const Expr* value = nullptr;
};

struct MapExpr : Expr {
  MapExpr() : Expr(ExprKind::kMap) {}
  absl::Span<const MapEntry> entries;
};

struct MemberExpr : Expr {
  MemberExpr() : Expr(ExprKind::kMember) {}
  const Expr* object = nullptr;
  Ident member;
};

struct IndexExpr : Expr {
  IndexExpr() : Expr(ExprKind::kIndex) {}
  const Expr* object = nullptr;
  const Expr* index = nullptr;
};

// An argument; `name` is empty for a positional one.
struct Arg {
  Ident name;
  const Expr* value = nullptr;
};

struct CallExpr : Expr {
  CallExpr() : Expr(ExprKind::kCall) {}
  const Expr* callee = nullptr;
  absl::Span<const Arg> args;
};

enum class UnaryOp : uint8_t { kNot, kNeg };

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  UnaryOp op = UnaryOp::kNot;
  const Expr* operand = nullptr;
};

enum class BinaryOp : uint8_t {
  kMul,
  kDiv,
  kMod,
  kAdd,
  kSub,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kIn,
  kAnd,
  kOr,
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  const Expr* lhs = nullptr;
  const Expr* rhs = nullptr;
};

struct ConditionalExpr : Expr {
  ConditionalExpr() : Expr(ExprKind::kConditional) {}
  const Expr* condition = nullptr;
  const Expr* then_value = nullptr;
  const Expr* else_value = nullptr;
};

// (inner), kept so that the formatter keeps the author's grouping.
struct ParenExpr : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  const Expr* inner = nullptr;
};

// Stands where an expression failed to parse, so that later stages go on.
struct ErrorExpr : Expr {
  ErrorExpr() : Expr(ExprKind::kError) {}
};

// A type annotation: string, int, list(string), map(list(int)).
struct TypeExpr {
  Ident name;
  absl::Span<const TypeExpr* const> args;
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Stmt;

// { stmt* }
struct Body {
  uint32_t begin = 0;  // The '{'.
  uint32_t end = 0;    // Just past the '}'.
  absl::Span<const Stmt* const> stmts;
};

struct Stmt {
  StmtKind kind;
  uint32_t begin = 0;
  uint32_t end = 0;

  explicit Stmt(StmtKind k) : kind(k) {}
};

// import "std/nginx" as web
struct ImportStmt : Stmt {
  ImportStmt() : Stmt(StmtKind::kImport) {}
  const StringExpr* path = nullptr;
  Ident alias;
};

// param env: string = "prod"
struct ParamStmt : Stmt {
  ParamStmt() : Stmt(StmtKind::kParam) {}
  Ident name;
  const TypeExpr* type = nullptr;       // May be null.
  const Expr* default_value = nullptr;  // May be null.
};

// let admins: list(map(string)) = [...]
struct LetStmt : Stmt {
  LetStmt() : Stmt(StmtKind::kLet) {}
  Ident name;
  const TypeExpr* type = nullptr;  // May be null.
  const Expr* value = nullptr;
};

struct RoleParam {
  Ident name;
  const TypeExpr* type = nullptr;       // May be null.
  const Expr* default_value = nullptr;  // May be null.
  uint32_t begin = 0;
  uint32_t end = 0;
};

// role web(domain: string, port: int = 443) { ... }
struct RoleStmt : Stmt {
  RoleStmt() : Stmt(StmtKind::kRole) {}
  Ident name;
  absl::Span<const RoleParam> params;
  Body body;
};

// use web(domain = "x"); `use base` is `use base()`.
struct UseStmt : Stmt {
  UseStmt() : Stmt(StmtKind::kUse) {}
  const Expr* role = nullptr;  // A CallExpr, NameExpr or MemberExpr.
};

// for a in admins { ... } / for name, value in map { ... }
struct ForStmt : Stmt {
  ForStmt() : Stmt(StmtKind::kFor) {}
  Ident key;
  Ident value_var;  // Empty unless two variables are bound.
  const Expr* iterable = nullptr;
  Body body;
};

// if cond { ... } else if cond { ... } else { ... }
struct IfStmt : Stmt {
  IfStmt() : Stmt(StmtKind::kIf) {}
  const Expr* condition = nullptr;
  Body then_body;
  const Stmt* else_if = nullptr;    // An IfStmt, or null.
  const Body* else_body = nullptr;  // Null when there is no plain else.
};

enum class RuleAction : uint8_t { kAllow, kDeny, kReject };

// allow tcp [22, 80] from any to "10.0.0.1"
struct RuleStmt : Stmt {
  RuleStmt() : Stmt(StmtKind::kRule) {}
  RuleAction action = RuleAction::kAllow;
  Ident protocol;
  const Expr* ports = nullptr;  // May be null.
  const Expr* from = nullptr;   // May be null.
  const Expr* to = nullptr;     // May be null.
};

// name = value
struct AttrStmt : Stmt {
  AttrStmt() : Stmt(StmtKind::kAttr) {}
  Ident name;
  const Expr* value = nullptr;
};

// kind label* { ... }: host "web1" { }, file "/etc/motd" { }, firewall { }
struct BlockStmt : Stmt {
  BlockStmt() : Stmt(StmtKind::kBlock) {}
  Ident type;
  absl::Span<const Expr* const> labels;
  Body body;
};

// A comment, from '#' to the end of its line.
struct Comment {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// One parsed file.
struct File {
  FileId file = 0;
  absl::Span<const Stmt* const> stmts;
  // Every comment, in order.
  std::vector<Comment> comments;
  // Owns every node.
  Arena arena;
};

// The spelling of operators and kinds, for dumps and messages.
std::string_view ExprKindName(ExprKind kind);
std::string_view StmtKindName(StmtKind kind);
std::string_view BinaryOpSpelling(BinaryOp op);
std::string_view UnaryOpSpelling(UnaryOp op);
std::string_view RuleActionSpelling(RuleAction action);

// How tightly a binary operator binds: higher binds tighter.
int BinaryOpPrecedence(BinaryOp op);

}  // namespace cairn::ast

#endif  // CAIRN_LANG_AST_AST_H_
