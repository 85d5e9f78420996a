// Statements, scopes and budgets.
//
// Scopes follow Jinja2: the template has one scope; every iteration of a
// for loop, a for loop's else block and a {% set %} block get a fresh scope
// on top of it, so {% set %} inside them is not seen after them, while
// {% set %} inside {% if %} is.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/evaluator.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {

Evaluator::Evaluator(const jinja::RenderOptions& options, const Value& vars)
    : options_(options), vars_(vars) {
  scopes_.emplace_back();
}

bool Evaluator::Fail(Span span, std::string message) {
  if (!error_) error_ = SourceError{std::move(message), span};
  return false;
}

bool Evaluator::FailUndefined(const Object& undefined) {
  return Fail(undefined.span(), undefined.message());
}

bool Evaluator::ChargeIterations(int64_t n, Span span) {
  iterations_ += n;
  if (iterations_ > options_.max_iterations) {
    return Fail(span, StrCat("stopped after ", options_.max_iterations,
                             " loop iterations (the limit)"));
  }
  return true;
}

bool Evaluator::ChargeBytes(size_t n, Span span) {
  if (n > options_.max_output_bytes) {
    return Fail(span, StrCat("a string of ", n, " bytes is larger than the ",
                             options_.max_output_bytes, "-byte limit"));
  }
  work_bytes_ += static_cast<int64_t>(n);
  if (work_bytes_ > options_.max_work_bytes) {
    return Fail(span, StrCat("stopped after building ",
                             options_.max_work_bytes,
                             " bytes of strings (the limit)"));
  }
  return true;
}

bool Evaluator::RenderBody(const Body& body, std::string* out) {
  for (const auto& node : body) {
    if (!RenderNode(*node, out)) return false;
  }
  return true;
}

bool Evaluator::Output(std::string_view text, Span span, std::string* out) {
  if (out->size() + text.size() > options_.max_output_bytes) {
    return Fail(span, StrCat("the output would be larger than ",
                             options_.max_output_bytes, " bytes (the limit)"));
  }
  out->append(text);
  return true;
}

bool Evaluator::RenderNode(const Node& node, std::string* out) {
  switch (node.kind) {
    case NodeKind::kText:
      return Output(node.text, node.span, out);
    case NodeKind::kOutput: {
      Object value;
      if (!Eval(*node.expr, &value) || !Defined(value)) return false;
      // Ansible's finalize prints None as nothing.
      if (value.is_value() && value.value().is_null()) return true;
      std::string text;
      return ToStr(value, node.expr->span, &text) &&
             ChargeBytes(text.size(), node.expr->span) &&
             Output(text, node.span, out);
    }
    case NodeKind::kIf: {
      for (const Branch& branch : node.branches) {
        Object condition;
        bool truthy = false;
        if (!Eval(*branch.condition, &condition) ||
            !Truthy(condition, branch.condition->span, &truthy)) {
          return false;
        }
        if (truthy) return RenderBody(branch.body, out);
      }
      return RenderBody(node.else_body, out);
    }
    case NodeKind::kFor:
      return RenderFor(node, out);
    case NodeKind::kSet: {
      Object value;
      return Eval(*node.expr, &value) &&
             Assign(node.target, value, node.expr->span);
    }
    case NodeKind::kSetBlock: {
      std::string text;
      scopes_.emplace_back();
      bool ok = RenderBody(node.body, &text);
      scopes_.pop_back();
      return ok && ChargeBytes(text.size(), node.span) &&
             Assign(node.target, Value(std::move(text)), node.span);
    }
  }
  return Fail(node.span, "internal error: unknown statement");
}

bool Evaluator::RenderFor(const Node& node, std::string* out) {
  Object iterable;
  if (!Eval(*node.expr, &iterable) || !Defined(iterable)) return false;
  Span span = node.expr->span;

  // A range is walked lazily, so that range(10**9) costs nothing until the
  // iteration budget stops it. Everything else is listed first, as Jinja2
  // does to know loop.length.
  bool lazy_range =
      iterable.kind() == Object::Kind::kRange && node.loop_filter == nullptr;
  std::vector<Value> items;
  int64_t length = 0;
  if (lazy_range) {
    length = iterable.RangeLength();
  } else {
    std::vector<Value> all;
    if (!Iterate(iterable, span, &all)) return false;
    if (node.loop_filter == nullptr) {
      items = std::move(all);
    } else {
      for (Value& item : all) {
        if (!ChargeIterations(1, node.loop_filter->span)) return false;
        scopes_.emplace_back();
        Object keep;
        bool truthy = false;
        bool ok = BindLoopTarget(node.target, item, node.target.span) &&
                  Eval(*node.loop_filter, &keep) &&
                  Truthy(keep, node.loop_filter->span, &truthy);
        scopes_.pop_back();
        if (!ok) return false;
        if (truthy) items.push_back(std::move(item));
      }
    }
    length = static_cast<int64_t>(items.size());
  }

  if (length == 0) {
    scopes_.emplace_back();
    bool ok = RenderBody(node.else_body, out);
    scopes_.pop_back();
    return ok;
  }
  for (int64_t i = 0; i < length; ++i) {
    if (!ChargeIterations(1, span)) return false;
    Value item = lazy_range ? Value(iterable.RangeAt(i))
                            : items[static_cast<size_t>(i)];
    scopes_.emplace_back();
    bool ok = BindLoopTarget(node.target, item, node.target.span);
    if (ok) {
      scopes_.back()["loop"] = Object::Loop(i, length);
      ok = RenderBody(node.body, out);
    }
    scopes_.pop_back();
    if (!ok) return false;
  }
  return true;
}

bool Evaluator::BindLoopTarget(const Target& target, const Value& item,
                               Span span) {
  return Assign(target, Object(item), span);
}

bool Evaluator::Assign(const Target& target, const Object& value, Span span) {
  Scope& scope = scopes_.back();
  if (!target.unpack) {
    scope[target.names[0]] = value;
    return true;
  }
  if (!Defined(value)) return false;
  std::vector<Value> parts;
  if (!Iterate(value, span, &parts)) return false;
  if (parts.size() != target.names.size()) {
    return Fail(span, parts.size() > target.names.size()
                          ? StrCat("too many values to unpack (expected ",
                                   target.names.size(), ")")
                          : StrCat("not enough values to unpack (expected ",
                                   target.names.size(), ", got ",
                                   parts.size(), ")"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    scope[target.names[i]] = Object(std::move(parts[i]));
  }
  return true;
}

bool Evaluator::IsLocal(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    if (it->count(name)) return true;
  }
  return false;
}

Object Evaluator::Lookup(const std::string& name, Span span) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end()) return found->second;
  }
  if (const Value* v = vars_.Find(name)) return Object(*v);
  return Object::Undefined(StrCat("'", name, "' is undefined"), span);
}

}  // namespace cairn::jinja_internal
