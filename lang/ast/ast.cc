#include "lang/ast/ast.h"

namespace cairn::ast {

std::string_view ExprKindName(ExprKind kind) {
  switch (kind) {
#define CAIRN_X(name)     \
  case ExprKind::k##name: \
    return #name;
    CAIRN_EXPR_KINDS(CAIRN_X)
#undef CAIRN_X
  }
  return "?";
}

std::string_view StmtKindName(StmtKind kind) {
  switch (kind) {
#define CAIRN_X(name)     \
  case StmtKind::k##name: \
    return #name;
    CAIRN_STMT_KINDS(CAIRN_X)
#undef CAIRN_X
  }
  return "?";
}

std::string_view BinaryOpSpelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kIn:
      return "in";
    case BinaryOp::kAnd:
      return "&&";
    case BinaryOp::kOr:
      return "||";
  }
  return "?";
}

std::string_view UnaryOpSpelling(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNot:
      return "!";
    case UnaryOp::kNeg:
      return "-";
  }
  return "?";
}

std::string_view RuleActionSpelling(RuleAction action) {
  switch (action) {
    case RuleAction::kAllow:
      return "allow";
    case RuleAction::kDeny:
      return "deny";
    case RuleAction::kReject:
      return "reject";
  }
  return "?";
}

int BinaryOpPrecedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
      return 7;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 6;
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe:
      return 5;
    case BinaryOp::kEq:
    case BinaryOp::kNe:
      return 4;
    case BinaryOp::kIn:
      return 3;
    case BinaryOp::kAnd:
      return 2;
    case BinaryOp::kOr:
      return 1;
  }
  return 0;
}

}  // namespace cairn::ast
