// Statements, frames and budgets.
//
// Variables live in frames as scopes.h describes: the template's frame
// (level 0), and a frame for each loop body (entered anew every iteration),
// loop else block, loop filter and {% set %} block, one level deeper than
// where it appears.

#include "compiler/template/evaluator.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "compiler/template/value_access.h"

namespace cairn::jinja_internal {

Evaluator::Evaluator(const jinja::RenderOptions& options, const Value& vars)
    : options_(options), vars_(vars) {}

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
    return Fail(span, StrCat("stopped after building ", options_.max_work_bytes,
                             " bytes of strings (the limit)"));
  }
  return true;
}

bool Evaluator::RenderTemplate(const Body& body, const Frame& frame,
                               std::string* out) {
  EnterFrame(frame);
  return RenderBody(body, out);
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
      // Ansible's finalize prints None (and Jinja2's lenient undefined) as
      // nothing, and unrolls ranges and dict views into lists.
      if (value.is_value() && value.value().is_null()) return true;
      if (value.is_lenient_undefined()) return true;
      if (value.kind() == Object::Kind::kLoop) {
        // Ansible would unroll the rest of the loop into a list here.
        return Fail(node.expr->span,
                    "printing the loop variable itself is "
                    "not supported");
      }
      if (!value.is_value()) {
        Value list;
        if (!ToValue(value, node.expr->span, &list)) return false;
        value = Object(std::move(list));
      }
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
      EnterFrame(node.body_frame);
      bool ok = RenderBody(node.body, &text);
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
  // Elements may be undefined (a kList), as in Jinja2.
  std::vector<Object> items;
  int64_t length = 0;
  if (lazy_range) {
    length = iterable.RangeLength();
  } else {
    std::vector<Object> all;
    if (!IterateObjects(iterable, span, &all)) return false;
    if (node.loop_filter == nullptr) {
      items = std::move(all);
    } else {
      EnterFrame(node.filter_frame);
      for (Object& item : all) {
        if (!ChargeIterations(1, node.loop_filter->span)) return false;
        Object keep;
        bool truthy = false;
        if (!Assign(node.target, item, node.target.span) ||
            !Eval(*node.loop_filter, &keep) ||
            !Truthy(keep, node.loop_filter->span, &truthy)) {
          return false;
        }
        if (truthy) items.push_back(std::move(item));
      }
    }
    length = static_cast<int64_t>(items.size());
  }

  if (length == 0) {
    EnterFrame(node.else_frame);
    return RenderBody(node.else_body, out);
  }
  for (int64_t i = 0; i < length; ++i) {
    if (!ChargeIterations(1, span)) return false;
    Object item = lazy_range ? Object(Value(iterable.RangeAt(i)))
                             : items[static_cast<size_t>(i)];
    EnterFrame(node.body_frame);
    if (!Assign(node.target, std::move(item), node.target.span)) {
      return false;
    }
    if (node.uses_loop) {
      Store("loop", node.body_frame.level, Object::Loop(i, length));
    }
    if (!RenderBody(node.body, out)) return false;
  }
  return true;
}

void Evaluator::EnterFrame(const Frame& frame) {
  size_t level = static_cast<size_t>(frame.level);
  if (frames_.size() <= level) frames_.resize(level + 1);
  FrameVars& vars = frames_[level];
  vars.clear();
  for (const SlotInit& slot : frame.slots) {
    switch (slot.kind) {
      case SlotInit::kResolve: {
        Object v;
        if (Resolve(slot.name, &v)) vars[slot.name] = std::move(v);
        break;
      }
      case SlotInit::kAlias: {
        const FrameVars& outer = frames_[static_cast<size_t>(slot.alias_level)];
        auto it = outer.find(slot.name);
        if (it != outer.end()) vars[slot.name] = it->second;
        break;
      }
      case SlotInit::kUndefined:
        break;
    }
  }
}

bool Evaluator::Resolve(const std::string& name, Object* out) const {
  auto it = context_vars_.find(name);
  if (it != context_vars_.end()) {
    *out = it->second;
    return true;
  }
  if (const Value* v = vars_.Find(name)) {
    *out = Object(*v);
    return true;
  }
  return false;
}

void Evaluator::Store(const std::string& name, int level, Object value) {
  if (level == 0) context_vars_[name] = value;
  frames_[static_cast<size_t>(level)][name] = std::move(value);
}

bool Evaluator::Assign(const Target& target, const Object& value, Span span) {
  if (!target.unpack) {
    Store(target.names[0], target.levels[0], value);
    return true;
  }
  if (!Defined(value)) return false;
  std::vector<Object> parts;
  if (!IterateObjects(value, span, &parts)) return false;
  if (parts.size() != target.names.size()) {
    return Fail(span,
                parts.size() > target.names.size()
                    ? StrCat("too many values to unpack (expected ",
                             target.names.size(), ")")
                    : StrCat("not enough values to unpack (expected ",
                             target.names.size(), ", got ", parts.size(), ")"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    Store(target.names[i], target.levels[i], std::move(parts[i]));
  }
  return true;
}

bool Evaluator::Bound(const std::string& name, int level) const {
  size_t l = static_cast<size_t>(level);
  return l < frames_.size() && frames_[l].count(name) > 0;
}

Object Evaluator::Lookup(const std::string& name, int level, Span span) const {
  size_t l = static_cast<size_t>(level);
  if (l < frames_.size()) {
    auto found = frames_[l].find(name);
    if (found != frames_[l].end()) return found->second;
  }
  return Object::Undefined(StrCat("'", name, "' is undefined"), span,
                           /*lenient=*/false, name);
}

}  // namespace cairn::jinja_internal
