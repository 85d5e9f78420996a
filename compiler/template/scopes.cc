// A port of jinja2/idtracking.py (Symbols, FrameSymbolVisitor, RootVisitor)
// and of how jinja2/compiler.py uses it for templates, for loops and
// {% set %} blocks.

#include "compiler/template/scopes.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cairn::jinja_internal {
namespace {

// The functions Jinja2 and Ansible offer as globals; a call to one of these
// names reads no input variable.
bool IsGlobalFunction(const std::string& name) {
  static const std::set<std::string> kGlobals = {
      "range",  "dict",   "lookup", "query",     "q",     "now",
      "lipsum", "cycler", "joiner", "namespace", "undef",
  };
  return kGlobals.count(name) > 0;
}

struct LoadInfo {
  bool param = false;
  SlotInit::Kind kind = SlotInit::kUndefined;
  int alias_level = 0;
};

// Jinja2's Symbols: the names one frame defines and how each starts out.
class Symbols {
 public:
  explicit Symbols(const Symbols* parent)
      : parent_(parent), level_(parent ? parent->level_ + 1 : 0) {}

  int level() const { return level_; }

  // The table that defines `name`, searching outwards, or nullptr.
  const Symbols* Find(const std::string& name) const {
    if (refs_.count(name)) return this;
    return parent_ ? parent_->Find(name) : nullptr;
  }
  int FindRef(const std::string& name) const {
    const Symbols* s = Find(name);
    return s ? s->level_ : -1;
  }
  // Whether this table's variable `name` starts from the input.
  bool Resolves(const std::string& name) const {
    auto it = loads_.find(name);
    return it != loads_.end() && !it->second.param &&
           it->second.kind == SlotInit::kResolve;
  }

  void Store(const std::string& name) {
    stores_.insert(name);
    if (refs_.count(name)) return;
    if (parent_ != nullptr) {
      int outer = parent_->FindRef(name);
      if (outer >= 0) {
        Define(name, {false, SlotInit::kAlias, outer});
        return;
      }
    }
    Define(name, {false, SlotInit::kUndefined, 0});
  }

  void DeclareParameter(const std::string& name) {
    stores_.insert(name);
    Define(name, {true, SlotInit::kUndefined, 0});
  }

  void Load(const std::string& name) {
    if (FindRef(name) < 0) Define(name, {false, SlotInit::kResolve, 0});
  }

  // Merges the tables of an if's branches (body, elifs, else).
  void BranchUpdate(const std::vector<Symbols>& branches) {
    std::map<std::string, size_t> counts;
    for (const Symbols& b : branches) {
      for (const std::string& target : b.stores_) {
        if (!stores_.count(target)) ++counts[target];
      }
    }
    for (const Symbols& b : branches) {
      refs_.insert(b.refs_.begin(), b.refs_.end());
      for (const auto& [name, load] : b.loads_) loads_[name] = load;
      stores_.insert(b.stores_.begin(), b.stores_.end());
    }
    for (const auto& [name, count] : counts) {
      if (count == branches.size()) continue;
      if (parent_ != nullptr) {
        int outer = parent_->FindRef(name);
        if (outer >= 0) {
          loads_[name] = {false, SlotInit::kAlias, outer};
          continue;
        }
      }
      loads_[name] = {false, SlotInit::kResolve, 0};
    }
  }

  Frame ToFrame() const {
    Frame frame;
    frame.level = level_;
    for (const auto& [name, load] : loads_) {
      if (load.param) continue;
      frame.slots.push_back({name, load.kind, load.alias_level});
    }
    return frame;
  }

 private:
  void Define(const std::string& name, LoadInfo load) {
    refs_.insert(name);
    loads_[name] = load;
  }

  const Symbols* parent_;
  int level_;
  std::set<std::string> refs_;
  std::map<std::string, LoadInfo> loads_;
  std::set<std::string> stores_;
};

// FrameSymbolVisitor: records a frame's own loads and stores, without
// entering the frames nested in it.
class SymbolVisitor {
 public:
  explicit SymbolVisitor(Symbols* symbols) : symbols_(symbols) {}

  void Expr(const jinja_internal::Expr& e) {
    if (e.kind == ExprKind::kName) symbols_->Load(e.name);
    for (const ExprPtr& op : e.operands) {
      if (op != nullptr) Expr(*op);
    }
    for (const ExprPtr& arg : e.args.positional) Expr(*arg);
    for (const Keyword& k : e.args.keywords) Expr(*k.value);
  }

  void Nodes(const Body& body) {
    for (const auto& node : body) Node(*node);
  }

  void Node(const jinja_internal::Node& n) {
    switch (n.kind) {
      case NodeKind::kText:
        return;
      case NodeKind::kOutput:
        return Expr(*n.expr);
      case NodeKind::kIf:
        return If(n.branches, 0, &n.else_body);
      case NodeKind::kFor:
        return Expr(*n.expr);
      case NodeKind::kSet:
        Expr(*n.expr);
        for (const std::string& name : n.target.names) symbols_->Store(name);
        return;
      case NodeKind::kSetBlock:
        for (const std::string& name : n.target.names) symbols_->Store(name);
        return;
    }
  }

 private:
  // visit_If for branches[first] with the later branches as its elifs and
  // `else_body` (null for an elif, which has none of its own).
  void If(const std::vector<Branch>& branches, size_t first,
          const Body* else_body) {
    Expr(*branches[first].condition);
    Symbols* original = symbols_;
    std::vector<Symbols> parts(3, *original);
    symbols_ = &parts[0];
    Nodes(branches[first].body);
    if (else_body != nullptr) {
      symbols_ = &parts[1];
      for (size_t i = first + 1; i < branches.size(); ++i) {
        If(branches, i, nullptr);
      }
      symbols_ = &parts[2];
      Nodes(*else_body);
    }
    symbols_ = original;
    original->BranchUpdate(parts);
  }

  Symbols* symbols_;
};

bool ReadsLoop(const Expr& e) {
  if (e.kind == ExprKind::kName && e.name == "loop") return true;
  for (const ExprPtr& op : e.operands) {
    if (op != nullptr && ReadsLoop(*op)) return true;
  }
  for (const ExprPtr& arg : e.args.positional) {
    if (ReadsLoop(*arg)) return true;
  }
  for (const Keyword& k : e.args.keywords) {
    if (ReadsLoop(*k.value)) return true;
  }
  return false;
}

bool ReadsLoop(const Body& body) {
  for (const auto& n : body) {
    for (const Branch& b : n->branches) {
      if (ReadsLoop(*b.condition) || ReadsLoop(b.body)) return true;
    }
    if ((n->expr && ReadsLoop(*n->expr)) ||
        (n->loop_filter && ReadsLoop(*n->loop_filter)) || ReadsLoop(n->body) ||
        ReadsLoop(n->else_body)) {
      return true;
    }
  }
  return false;
}

// Annotates a frame's own code with the levels of its names, and analyses
// the frames nested in it.
class Annotator {
 public:
  explicit Annotator(std::vector<std::string>* inputs) : inputs_(inputs) {}

  void Nodes(Body& body, const Symbols& symbols) {
    for (auto& node : body) Node(*node, symbols);
  }

  void Expr(jinja_internal::Expr& e, const Symbols& symbols,
            bool callee = false) {
    if (e.kind == ExprKind::kName) {
      const Symbols* owner = symbols.Find(e.name);
      e.level = owner ? owner->level() : 0;
      bool global_call = callee && IsGlobalFunction(e.name);
      if (owner != nullptr && owner->Resolves(e.name) && !global_call &&
          seen_.insert(e.name).second) {
        inputs_->push_back(e.name);
      }
    }
    for (size_t i = 0; i < e.operands.size(); ++i) {
      if (e.operands[i] != nullptr) {
        Expr(*e.operands[i], symbols, e.kind == ExprKind::kCall && i == 0);
      }
    }
    for (ExprPtr& arg : e.args.positional) Expr(*arg, symbols);
    for (Keyword& k : e.args.keywords) Expr(*k.value, symbols);
  }

 private:
  void Store(Target& target, const Symbols& symbols) {
    target.levels.clear();
    for (const std::string& name : target.names) {
      target.levels.push_back(std::max(symbols.FindRef(name), 0));
    }
  }

  void Node(jinja_internal::Node& n, const Symbols& symbols) {
    switch (n.kind) {
      case NodeKind::kText:
        return;
      case NodeKind::kOutput:
        return Expr(*n.expr, symbols);
      case NodeKind::kIf:
        for (Branch& b : n.branches) {
          Expr(*b.condition, symbols);
          Nodes(b.body, symbols);
        }
        return Nodes(n.else_body, symbols);
      case NodeKind::kSet:
        Expr(*n.expr, symbols);
        return Store(n.target, symbols);
      case NodeKind::kSetBlock: {
        Store(n.target, symbols);
        Symbols block(&symbols);
        SymbolVisitor(&block).Nodes(n.body);
        n.body_frame = block.ToFrame();
        return Nodes(n.body, block);
      }
      case NodeKind::kFor: {
        Expr(*n.expr, symbols);
        n.uses_loop = ReadsLoop(n.body);
        Symbols body(&symbols);
        if (n.uses_loop) body.DeclareParameter("loop");
        for (const std::string& name : n.target.names) {
          body.DeclareParameter(name);
        }
        SymbolVisitor(&body).Nodes(n.body);
        n.body_frame = body.ToFrame();
        Store(n.target, body);
        Nodes(n.body, body);
        Symbols otherwise(&symbols);
        SymbolVisitor(&otherwise).Nodes(n.else_body);
        n.else_frame = otherwise.ToFrame();
        Nodes(n.else_body, otherwise);
        if (n.loop_filter != nullptr) {
          Symbols filter(&symbols);
          for (const std::string& name : n.target.names) {
            filter.DeclareParameter(name);
          }
          SymbolVisitor(&filter).Expr(*n.loop_filter);
          n.filter_frame = filter.ToFrame();
          Expr(*n.loop_filter, filter);
        }
        return;
      }
    }
  }

  std::vector<std::string>* inputs_;
  std::set<std::string> seen_;
};

}  // namespace

Frame ResolveScopes(Body& body, std::vector<std::string>* inputs) {
  Symbols root(nullptr);
  SymbolVisitor(&root).Nodes(body);
  Annotator(inputs).Nodes(body, root);
  return root.ToFrame();
}

}  // namespace cairn::jinja_internal
