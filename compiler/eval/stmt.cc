// Hosts, roles and bodies: statements that emit resources.

#include <algorithm>
#include <functional>
#include <set>

#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "google/protobuf/message.h"
#include "lang/diagnostics/suggest.h"
#include "proto/cairn/v1/options.pb.h"
#include "proto/cairn/v1/resources.pb.h"

namespace cairn::eval {
namespace {

namespace pb = google::protobuf;

constexpr int kMaxRoleDepth = 32;

std::string PathPart(const std::string& path, std::string_view kind,
                     std::string_view id) {
  std::string out = path.empty() ? std::string(kind) : StrCat(path, ".", kind);
  if (!id.empty()) StrAppend(&out, ".", id);
  return out;
}

// The attributes in which a second declaration of a resource differs from
// the first, `first`; none when they are the same resource.
std::vector<std::string> DifferingFields(
    const v1::Resource& first, const google::protobuf::Message& spec,
    const v1::Resource& again, const std::vector<std::string>& secrets) {
  namespace pb = google::protobuf;
  std::vector<std::string> differ;
  std::unique_ptr<pb::Message> before(spec.New());
  if (!first.spec().UnpackTo(before.get())) return {"its kind"};
  const pb::Descriptor* desc = spec.GetDescriptor();
  // Each field alone: both messages with every other field cleared.
  auto only = [&](const pb::Message& m, int keep) {
    std::unique_ptr<pb::Message> copy(m.New());
    copy->CopyFrom(m);
    for (int j = 0; j < desc->field_count(); ++j) {
      if (j != keep)
        copy->GetReflection()->ClearField(copy.get(), desc->field(j));
    }
    return copy->SerializeAsString();
  };
  for (int i = 0; i < desc->field_count(); ++i) {
    if (only(*before, i) != only(spec, i)) {
      differ.push_back(desc->field(i)->name());
    }
  }
  if (first.keep() != again.keep()) differ.push_back("keep");
  if (first.on_drift() != again.on_drift()) differ.push_back("on_drift");
  std::vector<std::string> secret_before(first.secret_fields().begin(),
                                         first.secret_fields().end());
  if (differ.empty() && secret_before != secrets) {
    differ.push_back("which values are secret");
  }
  return differ;
}

// `list(string)` as written.
std::string TypeText(const ast::TypeExpr& type) {
  std::string out(type.name.name);
  if (type.args.empty()) return out;
  std::vector<std::string> args;
  for (const ast::TypeExpr* a : type.args) args.push_back(TypeText(*a));
  return StrCat(out, "(", StrJoin(args, ", "), ")");
}

// Whether `value` is of `type`, elements of lists and maps included. null
// is every type's absence (`password: secret = null` is optional). When
// not, `why` says what was found instead, and where inside the value.
bool FitsType(const ast::TypeExpr& type, const Value& value, std::string& why) {
  std::string_view want = type.name.name;
  if (want == "any" || value.kind() == ValueKind::kNull || value.is_unknown()) {
    return true;
  }
  bool fits = false;
  if (want == "string") {
    fits = value.kind() == ValueKind::kString;
  } else if (want == "secret") {
    fits = value.kind() == ValueKind::kString && value.secret();
  } else if (want == "int") {
    fits = value.kind() == ValueKind::kInt;
  } else if (want == "float") {
    fits = value.kind() == ValueKind::kFloat || value.kind() == ValueKind::kInt;
  } else if (want == "bool") {
    fits = value.kind() == ValueKind::kBool;
  } else if (want == "list" && value.kind() == ValueKind::kList) {
    if (type.args.size() != 1) return true;
    for (size_t i = 0; i < value.list().size(); ++i) {
      if (!FitsType(*type.args[0], value.list()[i], why)) {
        why = StrCat(why, " at [", i, "]");
        return false;
      }
    }
    return true;
  } else if (want == "map" && value.kind() == ValueKind::kMap) {
    if (type.args.size() != 1) return true;
    for (const auto& [key, item] : value.map()) {
      if (!FitsType(*type.args[0], item, why)) {
        why = StrCat(why, " at key '", key, "'");
        return false;
      }
    }
    return true;
  } else {
    fits = want == value.TypeName();
  }
  if (!fits) {
    why = StrCat(WithArticle(value.TypeName()), " (", Describe(value), ")");
  }
  return fits;
}

// Adds the depends_on and notify edges of `from` that `to` lacks.
void MergeEdges(const v1::Resource& from, v1::Resource& to) {
  for (const v1::ResourceRef& d : from.depends_on()) {
    bool have = false;
    for (const v1::ResourceRef& e : to.depends_on()) {
      have |= e.kind() == d.kind() && e.id() == d.id();
    }
    if (!have) *to.add_depends_on() = d;
  }
  for (const v1::Notify& n : from.notify()) {
    bool have = false;
    for (const v1::Notify& e : to.notify()) {
      have |= e.target().kind() == n.target().kind() &&
              e.target().id() == n.target().id() && e.action() == n.action();
    }
    if (!have) *to.add_notify() = n;
  }
}

}  // namespace

// Resources are applied in an order that honours every edge: a resource
// after what it depends_on, and before what it notifies. A cycle of edges
// leaves no such order; report each cycle once, with each edge on it.
void Evaluator::AddImplicitDependencies(HostBuild& build) {
  int n = build.catalog.resources_size();
  // after[i]: what must come after i, by the edges so far.
  std::vector<std::vector<int>> after(n);
  auto index_of = [&](std::string_view kind, std::string_view id) {
    auto it = build.index.find({std::string(kind), std::string(id)});
    return it == build.index.end() ? -1 : it->second;
  };
  for (int i = 0; i < n; ++i) {
    const v1::Resource& r = build.catalog.resources(i);
    for (const v1::ResourceRef& dep : r.depends_on()) {
      int d = index_of(dep.kind(), dep.id());
      if (d >= 0) after[d].push_back(i);
    }
    for (const v1::Notify& nt : r.notify()) {
      int t = index_of(nt.target().kind(), nt.target().id());
      if (t >= 0) after[i].push_back(t);
    }
  }
  // Whether `to` already comes after `from`, through any chain of edges.
  auto reaches = [&](int from, int to) {
    std::vector<bool> seen(n, false);
    std::vector<int> stack = {from};
    seen[from] = true;
    while (!stack.empty()) {
      int i = stack.back();
      stack.pop_back();
      if (i == to) return true;
      for (int j : after[i]) {
        if (!seen[j]) {
          seen[j] = true;
          stack.push_back(j);
        }
      }
    }
    return false;
  };
  auto depend = [&](int i, std::string_view kind, std::string_view id) {
    int d = index_of(kind, id);
    if (d < 0 || d == i || reaches(i, d)) return;
    v1::Resource* r = build.catalog.mutable_resources(i);
    for (const v1::ResourceRef& dep : r->depends_on()) {
      if (dep.kind() == kind && dep.id() == id) return;
    }
    v1::ResourceRef* ref = r->add_depends_on();
    ref->set_kind(std::string(kind));
    ref->set_id(std::string(id));
    after[d].push_back(i);
  };
  // The nearest directory resource above `path`.
  auto parent_directory = [&](int i, std::string path) {
    while (true) {
      size_t slash = path.rfind('/');
      if (slash == std::string::npos || slash == 0) return;
      path.resize(slash);
      if (index_of("directory", path) >= 0) {
        depend(i, "directory", path);
        return;
      }
    }
  };
  // Files and directories: their place, their owner and group.
  auto owned_path = [&](int i, const auto& spec) {
    parent_directory(i, spec.path());
    if (!spec.owner().empty()) depend(i, "user", spec.owner());
    if (!spec.group().empty()) depend(i, "group", spec.group());
  };
  for (int i = 0; i < n; ++i) {
    const v1::Resource& r = build.catalog.resources(i);
    const std::string& kind = r.kind();
    if (kind == "file") {
      v1::File spec;
      r.spec().UnpackTo(&spec);
      owned_path(i, spec);
    } else if (kind == "directory") {
      v1::Directory spec;
      r.spec().UnpackTo(&spec);
      owned_path(i, spec);
    } else if (kind == "symlink") {
      v1::Symlink spec;
      r.spec().UnpackTo(&spec);
      parent_directory(i, spec.path());
    } else if (kind == "line") {
      v1::Line spec;
      r.spec().UnpackTo(&spec);
      depend(i, "file", spec.path());
      parent_directory(i, spec.path());
    } else if (kind == "user") {
      v1::User spec;
      r.spec().UnpackTo(&spec);
      if (!spec.group().empty()) depend(i, "group", spec.group());
      for (const std::string& g : spec.groups()) depend(i, "group", g);
    } else if (kind == "package") {
      // A package from a .deb comes after the file that brings it.
      v1::Package spec;
      r.spec().UnpackTo(&spec);
      if (!spec.deb().empty()) depend(i, "file", spec.deb());
    } else if (kind == "exec") {
      v1::Exec spec;
      r.spec().UnpackTo(&spec);
      if (!spec.user().empty()) depend(i, "user", spec.user());
      if (!spec.cwd().empty()) depend(i, "directory", spec.cwd());
    } else if (kind == "postgres_role" || kind == "postgres_database") {
      // The server first: its package and its running service.
      depend(i, "package", "postgresql");
      depend(i, "service", "postgresql");
      if (kind == "postgres_database") {
        v1::PostgresDatabase spec;
        r.spec().UnpackTo(&spec);
        if (!spec.owner().empty()) depend(i, "postgres_role", spec.owner());
      }
    }
  }
}

void Evaluator::CheckOrderCycles(const HostBuild& build,
                                 const std::string& host,
                                 const std::string& path) {
  size_t n = build.catalog.resources_size();
  // after[i]: (j, edge) with i applied before j.
  std::vector<std::vector<std::pair<int, const HostBuild::Edge*>>> after(n);
  for (const HostBuild::Edge& edge : build.edges) {
    auto it = build.index.find({edge.to.kind(), edge.to.id()});
    if (it == build.index.end()) continue;
    if (edge.notify) {
      after[edge.from].push_back({it->second, &edge});
    } else {
      after[it->second].push_back({edge.from, &edge});
    }
  }
  // Iterative depth-first search; a grey node reached again closes a cycle.
  enum Color : uint8_t { kWhite, kGrey, kBlack };
  std::vector<Color> color(n, kWhite);
  std::vector<std::pair<int, const HostBuild::Edge*>> via(n, {-1, nullptr});
  auto name_of = [&](int i) {
    const v1::Resource& r = build.catalog.resources(i);
    return StrCat(r.kind(), " ", r.id());
  };
  for (size_t start = 0; start < n; ++start) {
    if (color[start] != kWhite) continue;
    std::vector<std::pair<int, size_t>> stack = {{static_cast<int>(start), 0}};
    color[start] = kGrey;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == after[node].size()) {
        color[node] = kBlack;
        stack.pop_back();
        continue;
      }
      auto [to, edge] = after[node][next++];
      if (color[to] == kWhite) {
        color[to] = kGrey;
        via[to] = {node, edge};
        stack.push_back({to, 0});
        continue;
      }
      if (color[to] != kGrey) continue;
      // node -> to closes the cycle to -> ... -> node.
      std::vector<int> cycle = {node};
      std::vector<const HostBuild::Edge*> edges = {edge};
      for (int at = node; at != to; at = via[at].first) {
        edges.push_back(via[at].second);
        cycle.push_back(via[at].first);
      }
      std::reverse(cycle.begin(), cycle.end());
      std::vector<std::string> names;
      for (int i : cycle) names.push_back(name_of(i));
      names.push_back(name_of(cycle.front()));
      Diagnostic& d =
          Error(DiagnosticKind::kDependencyCycle, edge->range,
                StrCat("host ", host, ": no order can apply these resources: ",
                       StrJoin(names, " -> ")),
                path);
      for (const HostBuild::Edge* e : edges) {
        if (e == edge) continue;
        d.labels.push_back(
            {e->range, e->notify ? "notifies, so runs first" : "depends on"});
      }
      d.help =
          "a resource runs after what it depends_on and before what it "
          "notifies; remove one of these edges";
    }
  }
}

void Evaluator::SetAfter(v1::Host& host, const Value& value,
                         const ast::Expr& expr, FileId file,
                         const std::string& path) {
  List items = value.kind() == ValueKind::kList ? value.list() : List{value};
  for (const Value& item : items) {
    if (item.is_unknown()) continue;
    std::string name;
    if (item.kind() == ValueKind::kResource && item.resource_kind() == "host" &&
        item.resource_action().empty()) {
      name = item.resource_id();
    } else if (item.kind() == ValueKind::kString) {
      name = item.string_value();
    } else {
      Error(DiagnosticKind::kTypeMismatch, Range(file, expr),
            "after takes hosts, such as [host.db]", path);
      continue;
    }
    if (!hosts_.count(name)) {
      std::vector<std::string_view> names;
      for (const auto& [n, decl] : hosts_) names.push_back(n);
      Diagnostic& d =
          Error(DiagnosticKind::kUnknownName, Range(file, expr),
                StrCat("after: no host is named '", name, "'"), path);
      std::string match = ClosestMatch(name, names);
      if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
      continue;
    }
    if (name == host.name()) {
      Error(DiagnosticKind::kTypeMismatch, Range(file, expr),
            "a host cannot come after itself", path);
      continue;
    }
    host.add_after(name);
  }
}

void Evaluator::EvalHost(const ast::BlockStmt& block, const Scope& scope,
                         FileId file) {
  Value label = Eval(*block.labels[0], scope, file);
  std::string name = label.string_value();
  HostDecl& decl = hosts_.find(name)->second;
  // `self` in the host and in every role it uses is this host.
  struct CurrentHost {
    std::string& slot;
    std::string saved;
    ~CurrentHost() { slot = saved; }
  } current{current_host_, current_host_};
  current_host_ = name;
  unknown_branch_ = false;
  HostBuild build;
  v1::Host& host = *build.catalog.mutable_host();
  host.set_name(name);
  std::string path = PathPart("", "host", name);

  // Host attributes first (other hosts may read them), then everything else.
  EnsureHostAttributes(decl);
  Scope& inner = *decl.body_scope;
  // Fill the Host message from the attribute statements.
  for (const ast::Stmt* stmt : block.body.stmts) {
    if (stmt->kind != ast::StmtKind::kAttr) continue;
    auto* attr = static_cast<const ast::AttrStmt*>(stmt);
    auto it = decl.attributes.find(attr->name.name);
    if (it == decl.attributes.end() || it->second.is_unknown()) continue;
    const pb::FieldDescriptor* field =
        v1::Host::descriptor()->FindFieldByName(std::string(attr->name.name));
    if (field == nullptr || field->name() == "name") {
      std::vector<std::string_view> names;
      for (int i = 1; i < v1::Host::descriptor()->field_count(); ++i) {
        names.push_back(v1::Host::descriptor()->field(i)->name());
      }
      Diagnostic& d = Error(
          DiagnosticKind::kUnknownAttribute,
          Range(file, attr->name.begin, attr->name.end),
          StrCat("a host has no attribute '", attr->name.name, "'"), path);
      std::string match = ClosestMatch(attr->name.name, names);
      d.help = match.empty()
                   ? StrCat("its attributes are ", StrJoin(names, ", "))
                   : StrCat("did you mean '", match, "'?");
      continue;
    }
    if (it->second.secret()) {
      Error(DiagnosticKind::kTypeMismatch, Range(file, *attr->value),
            StrCat("a host's ", attr->name.name, " cannot be a secret"), path);
      continue;
    }
    if (field->name() == "after") {
      SetAfter(host, it->second, *attr->value, file, path);
      continue;
    }
    Assign(host, field, it->second, *attr->value, file, path);
  }
  CheckRequired(host, Range(file, block.type.begin, block.type.end), path);

  std::vector<const ast::Stmt*> rest;
  for (const ast::Stmt* stmt : block.body.stmts) {
    if (stmt->kind != ast::StmtKind::kLet &&
        stmt->kind != ast::StmtKind::kAttr) {
      rest.push_back(stmt);
    }
  }
  EvalBody(rest, inner, file, build, path, /*in_role=*/false);

  // Every notify and depends_on names a resource of this host; unless an
  // `if` or `for` of the host's could not be decided, when the resource
  // may be one it would declare.
  for (const HostBuild::Edge& edge : build.edges) {
    if (build.index.count({edge.to.kind(), edge.to.id()})) continue;
    if (unknown_branch_) continue;
    std::vector<std::string> same_kind;
    for (const auto& [key, index] : build.index) {
      if (key.first == edge.to.kind()) same_kind.push_back(key.second);
    }
    std::vector<std::string_view> views(same_kind.begin(), same_kind.end());
    Diagnostic& d = Error(DiagnosticKind::kUnknownNotifyTarget, edge.range,
                          StrCat("host ", name, " has no ", edge.to.kind(),
                                 " '", edge.to.id(), "'"),
                          path);
    std::string match = ClosestMatch(edge.to.id(), views);
    if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
  }

  CheckOrderCycles(build, name, path);
  AddImplicitDependencies(build);

  // A firewall that drops inbound traffic without allowing SSH locks out
  // the next apply; say so unless the configuration accepts it.
  for (const v1::Resource& resource : build.catalog.resources()) {
    if (resource.kind() != "firewall") continue;
    v1::Firewall firewall;
    if (!resource.spec().UnpackTo(&firewall)) continue;
    if (firewall.inbound() != v1::Firewall::POLICY_DROP ||
        firewall.allow_no_ssh()) {
      continue;
    }
    // Whether some rule lets TCP `port` in (from anywhere or somewhere).
    auto allows = [&](int port) {
      for (const v1::Firewall::Rule& rule : firewall.rules()) {
        if (rule.action() != v1::Firewall::ACTION_ALLOW &&
            rule.action() != v1::Firewall::ACTION_UNSPECIFIED) {
          continue;
        }
        if (rule.protocol() != "tcp" && rule.protocol() != "any") continue;
        if (rule.ports().empty()) return true;
        for (const std::string& p : rule.ports()) {
          size_t dash = p.find('-');
          int lo = std::atoi(p.substr(0, dash).c_str());
          int hi = dash == std::string::npos
                       ? lo
                       : std::atoi(p.substr(dash + 1).c_str());
          if (lo <= port && port <= hi) return true;
        }
      }
      return false;
    };
    SourceRange where = build.declared[build.index[{"firewall", "default"}]];
    // The agent's port, unless it listens on a unix socket.
    const std::string& agent = build.catalog.host().agent();
    if (!StartsWith(agent, "unix:")) {
      int port = result_.fleet.agent_port() != 0
                     ? static_cast<int>(result_.fleet.agent_port())
                     : 7443;
      if (size_t colon = agent.rfind(':'); colon != std::string::npos) {
        port = std::atoi(agent.substr(colon + 1).c_str());
      }
      if (!allows(port)) {
        Diagnostic d = MakeDiagnostic(
            DiagnosticKind::kFirewallCutsAgent, where,
            StrCat("host ", name,
                   "'s firewall drops inbound traffic and does not let its "
                   "agent's port ",
                   port, " in: the apply that sets it would be rolled back"));
        d.config_path = resource.config_path();
        d.help = StrCat("add `allow tcp ", port,
                        " from CONTROLLER` with the address plan and apply "
                        "run from");
        Emit(std::move(d));
      }
    }
    bool ssh = allows(22);
    if (ssh) continue;
    Diagnostic d = MakeDiagnostic(
        DiagnosticKind::kFirewallCutsSsh, where,
        StrCat("host ", name,
               "'s firewall drops inbound traffic and allows no SSH: the "
               "next apply would lock you out"));
    d.config_path = resource.config_path();
    d.help =
        "add `allow tcp 22 from ...`, or set allow_no_ssh = true if "
        "this host is reached otherwise";
    Emit(std::move(d));
  }

  // A stable order: by kind, then id.
  auto* resources = build.catalog.mutable_resources();
  std::sort(resources->begin(), resources->end(),
            [](const v1::Resource& a, const v1::Resource& b) {
              return std::tie(a.kind(), a.id()) < std::tie(b.kind(), b.id());
            });
  build.catalog.set_compiler("cairn 0.1.0");
  for (const auto& [param, value] : options_.params) {
    // A secret param's value stays out of the catalog, which plans and
    // state stores keep.
    auto global = units_[0].globals.find(param);
    if (global == units_[0].globals.end() ||
        global->second.kind != Global::kParam) {
      continue;
    }
    auto* stmt = static_cast<const ast::ParamStmt*>(global->second.stmt);
    if (stmt->type && stmt->type->name.name == "secret") continue;
    (*build.catalog.mutable_params())[param] = value;
  }
  if (options_.on_catalog) {
    options_.on_catalog(std::move(build.catalog));
  } else {
    result_.catalogs.push_back(std::move(build.catalog));
  }
}

bool Evaluator::EnsureHostAttributes(HostDecl& decl) {
  switch (decl.state) {
    case HostDecl::kDone:
      return true;
    case HostDecl::kEvaluating:
      return false;
    case HostDecl::kPending:
      break;
  }
  decl.state = HostDecl::kEvaluating;
  decl.body_scope = std::make_unique<Scope>(decl.scope);
  Scope& inner = *decl.body_scope;
  for (const ast::Stmt* stmt : decl.block->body.stmts) {
    if (stmt->kind == ast::StmtKind::kLet) {
      auto* let = static_cast<const ast::LetStmt*>(stmt);
      inner.Define(std::string(let->name.name),
                   Eval(*let->value, inner, decl.file));
    } else if (stmt->kind == ast::StmtKind::kAttr) {
      auto* a = static_cast<const ast::AttrStmt*>(stmt);
      if (decl.attributes.count(a->name.name)) continue;  // Reported later.
      decl.attributes.emplace(std::string(a->name.name),
                              Eval(*a->value, inner, decl.file));
    }
  }
  decl.state = HostDecl::kDone;
  return true;
}

Value Evaluator::HostAttribute(const std::string& name, const ast::Ident& attr,
                               FileId file) {
  auto it = hosts_.find(name);
  if (it == hosts_.end()) return Value::Unknown();
  HostDecl& decl = it->second;
  if (attr.name == "name") return Value::String(name);
  if (!EnsureHostAttributes(decl)) {
    Error(DiagnosticKind::kDefinitionCycle, Range(file, attr.begin, attr.end),
          StrCat("host ", name, "'s '", attr.name,
                 "' depends on itself through host references"));
    return Value::Unknown();
  }
  if (auto found = decl.attributes.find(attr.name);
      found != decl.attributes.end()) {
    return found->second;
  }
  std::vector<std::string_view> names;
  for (const auto& [n, v] : decl.attributes) names.push_back(n);
  Diagnostic& d =
      Error(DiagnosticKind::kInvalidValue, Range(file, attr.begin, attr.end),
            StrCat("host ", name, " sets no attribute '", attr.name, "'"));
  std::string match = ClosestMatch(attr.name, names);
  if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
  return Value::Unknown();
}

const ast::Body* Evaluator::ChooseBranch(const ast::IfStmt& stmt,
                                         const Scope& scope, FileId file,
                                         const std::string& path) {
  for (const ast::Stmt* s = &stmt; s != nullptr;) {
    auto* branch = static_cast<const ast::IfStmt*>(s);
    Value cond = Eval(*branch->condition, scope, file);
    if (cond.is_unknown()) {
      // Which branch holds is not known (a secret without the vault's
      // password): what it would declare is not known either.
      unknown_branch_ = true;
      return nullptr;
    }
    if (cond.kind() != ValueKind::kBool) {
      Error(DiagnosticKind::kTypeMismatch, Range(file, *branch->condition),
            StrCat("if needs a bool, not ", WithArticle(cond.TypeName())),
            path);
      return nullptr;
    }
    if (cond.bool_value()) return &branch->then_body;
    if (branch->else_body != nullptr) return branch->else_body;
    s = branch->else_if;
  }
  return nullptr;
}

void Evaluator::ForEachIteration(const ast::ForStmt& loop, const Scope& scope,
                                 FileId file, const std::string& path,
                                 const std::function<void(Scope&)>& body) {
  Value items = Eval(*loop.iterable, scope, file);
  auto run = [&](Value key, Value value) {
    Scope inner(&scope);
    inner.Define(std::string(loop.key.name), std::move(key));
    if (!loop.value_var.empty()) {
      inner.Define(std::string(loop.value_var.name), std::move(value));
    }
    body(inner);
  };
  if (items.kind() == ValueKind::kList && loop.value_var.empty()) {
    for (const Value& item : items.list()) run(item, Value());
  } else if (items.kind() == ValueKind::kMap) {
    for (const auto& [k, v] : items.map()) run(Value::String(k), v);
  } else if (items.is_unknown()) {
    unknown_branch_ = true;
  } else {
    Error(
        DiagnosticKind::kTypeMismatch, Range(file, *loop.iterable),
        StrCat("for needs a ", loop.value_var.empty() ? "list or a map" : "map",
               ", not ", WithArticle(items.TypeName())),
        path);
  }
}

void Evaluator::EvalBody(absl::Span<const ast::Stmt* const> stmts, Scope& scope,
                         FileId file, HostBuild& build, const std::string& path,
                         bool in_role) {
  for (const ast::Stmt* stmt : stmts) {
    switch (stmt->kind) {
      case ast::StmtKind::kLet: {
        auto* let = static_cast<const ast::LetStmt*>(stmt);
        scope.Define(std::string(let->name.name),
                     Eval(*let->value, scope, file));
        break;
      }
      case ast::StmtKind::kUse:
        ApplyRole(*static_cast<const ast::UseStmt*>(stmt), scope, file, build,
                  path);
        break;
      case ast::StmtKind::kBlock:
        EvalResource(*static_cast<const ast::BlockStmt*>(stmt), scope, file,
                     build, path);
        break;
      case ast::StmtKind::kFor:
        ForEachIteration(
            *static_cast<const ast::ForStmt*>(stmt), scope, file, path,
            [&](Scope& inner) {
              EvalBody(static_cast<const ast::ForStmt*>(stmt)->body.stmts,
                       inner, file, build, path, in_role);
            });
        break;
      case ast::StmtKind::kIf:
        if (const ast::Body* body = ChooseBranch(
                *static_cast<const ast::IfStmt*>(stmt), scope, file, path)) {
          Scope inner(&scope);
          EvalBody(body->stmts, inner, file, build, path, in_role);
        }
        break;
      case ast::StmtKind::kAttr:
      case ast::StmtKind::kRule:
      case ast::StmtKind::kImport:
      case ast::StmtKind::kParam:
      case ast::StmtKind::kRole:
        // Misplaced; the parser's structure checks reported it.
        break;
    }
  }
}

void Evaluator::ApplyRole(const ast::UseStmt& use, const Scope& scope,
                          FileId file, HostBuild& build,
                          const std::string& path) {
  static int depth = 0;
  const ast::Expr* callee = use.role;
  absl::Span<const ast::Arg> args;
  if (use.role->kind == ast::ExprKind::kCall) {
    auto* call = static_cast<const ast::CallExpr*>(use.role);
    callee = call->callee;
    args = call->args;
  }
  Value role = Eval(*callee, scope, file);
  if (role.is_unknown()) return;
  if (role.kind() != ValueKind::kRole) {
    Error(DiagnosticKind::kTypeMismatch, Range(file, *callee),
          StrCat("'use' takes a role, not ", WithArticle(role.TypeName())),
          path);
    return;
  }
  const ast::RoleStmt& decl = *roles_[role.index()];
  role_used_[role.index()] = true;
  FileId role_file = role_files_[role.index()];
  std::string role_path = PathPart(path, "role", decl.name.name);
  if (depth >= kMaxRoleDepth) {
    Error(DiagnosticKind::kDefinitionCycle, Range(file, *use.role),
          StrCat("roles applied more than ", kMaxRoleDepth, " deep: does role ",
                 decl.name.name, " use itself?"),
          path);
    return;
  }

  // Bind arguments to parameters: positional first, then by name.
  std::vector<const ast::Expr*> given(decl.params.size(), nullptr);
  size_t position = 0;
  bool ok = true;
  for (const ast::Arg& arg : args) {
    size_t index = decl.params.size();
    if (arg.name.empty()) {
      index = position++;
      if (index >= decl.params.size()) {
        Error(DiagnosticKind::kBadArguments, Range(file, *arg.value),
              StrCat("role ", decl.name.name, " takes ", decl.params.size(),
                     decl.params.size() == 1 ? " parameter" : " parameters"),
              path);
        ok = false;
        continue;
      }
    } else {
      for (size_t i = 0; i < decl.params.size(); ++i) {
        if (decl.params[i].name.name == arg.name.name) index = i;
      }
      if (index == decl.params.size()) {
        std::vector<std::string_view> names;
        for (const ast::RoleParam& p : decl.params)
          names.push_back(p.name.name);
        Diagnostic& d = Error(DiagnosticKind::kBadArguments,
                              Range(file, arg.name.begin, arg.name.end),
                              StrCat("role ", decl.name.name,
                                     " has no parameter '", arg.name.name, "'"),
                              path);
        std::string match = ClosestMatch(arg.name.name, names);
        if (!match.empty()) d.help = StrCat("did you mean '", match, "'?");
        ok = false;
        continue;
      }
      if (given[index] != nullptr) {
        Error(DiagnosticKind::kBadArguments,
              Range(file, arg.name.begin, arg.name.end),
              StrCat("parameter '", arg.name.name, "' is given twice"), path);
        ok = false;
        continue;
      }
    }
    given[index] = arg.value;
  }
  Scope inner(&root_);
  for (size_t i = 0; i < decl.params.size(); ++i) {
    const ast::RoleParam& p = decl.params[i];
    Value value;
    if (given[i] != nullptr) {
      value = Eval(*given[i], scope, file);
    } else if (p.default_value != nullptr) {
      value = Eval(*p.default_value, inner, role_file);
    } else {
      Diagnostic& d = Error(
          DiagnosticKind::kBadArguments, Range(file, *use.role),
          StrCat("role ", decl.name.name, " needs '", p.name.name, "'"), path);
      d.labels.push_back({Range(role_file, p.begin, p.end),
                          "declared here without a default"});
      ok = false;
      value = Value::Unknown();
    }
    std::string why;
    if (p.type != nullptr && !value.is_unknown() &&
        !FitsType(*p.type, value, why)) {
      {
        Diagnostic& d = Error(
            DiagnosticKind::kTypeMismatch,
            given[i] ? Range(file, *given[i]) : Range(file, *use.role),
            StrCat("parameter '", p.name.name, "' of role ", decl.name.name,
                   " is ", WithArticle(TypeText(*p.type)), ", found ", why),
            path);
        d.labels.push_back({Range(role_file, p.begin, p.end), "declared here"});
        value = Value::Unknown();
      }
    }
    inner.Define(std::string(p.name.name), value);
  }
  if (!ok) return;
  ++depth;
  EvalBody(decl.body.stmts, inner, role_file, build, role_path,
           /*in_role=*/true);
  --depth;
}

void Evaluator::EvalResource(const ast::BlockStmt& block, const Scope& scope,
                             FileId file, HostBuild& build,
                             const std::string& path) {
  std::string_view kind = block.type.name;
  if (kind == "host" || kind == "zone" || kind == "record")
    return;  // Misplaced.
  const pb::Descriptor* desc = KindMessage(kind);
  if (desc == nullptr) {
    std::vector<std::string_view> names;
    for (const auto& [n, m] : kinds_) {
      if (n != "host" && n != "zone" && n != "record") names.push_back(n);
    }
    Diagnostic& d =
        Error(DiagnosticKind::kUnknownResourceKind,
              Range(file, block.type.begin, block.type.end),
              StrCat("no resource kind is named '", kind, "'"), path);
    std::string match = ClosestMatch(kind, names);
    d.help = match.empty() ? StrCat("the kinds are ", StrJoin(names, ", "))
                           : StrCat("did you mean '", match, "'?");
    return;
  }
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(desc)->New());
  const pb::FieldDescriptor* id_field =
      desc->FindFieldByName(desc->options().GetExtension(v1::id_field));
  std::string id;
  SourceRange where = Range(file, block.type.begin, block.type.end);
  if (kind == "firewall") {
    id = "default";
  } else if (block.labels.empty()) {
    Diagnostic& d = Error(
        DiagnosticKind::kMissingAttribute, where,
        StrCat("a ", kind, " needs its ", id_field->name(), " as its label"),
        path);
    std::string example = id_field->options().GetExtension(v1::example);
    if (!example.empty())
      d.help = StrCat("for example: ", kind, " ", example, " { ... }");
    return;
  } else {
    Value label = Eval(*block.labels[0], scope, file);
    if (label.is_unknown()) return;
    if (label.kind() != ValueKind::kString) {
      Error(DiagnosticKind::kTypeMismatch, Range(file, *block.labels[0]),
            StrCat("a ", kind, "'s label is its ", id_field->name(),
                   ", a string; found ", WithArticle(label.TypeName())),
            path);
      return;
    }
    id = label.string_value();
  }
  message->GetReflection()->SetString(message.get(), id_field, id);
  std::string resource_path = PathPart(path, kind, id);

  v1::Resource resource;
  resource.set_kind(std::string(kind));
  resource.set_id(id);
  std::vector<std::string> secret_fields;
  int resource_index = build.catalog.resources_size();

  // The body: attributes, rules, and let/for/if around them.
  // The attributes written, known or not (an unused role's are unknown).
  std::set<std::string> written;
  std::function<void(absl::Span<const ast::Stmt* const>, const Scope&)> body =
      [&](absl::Span<const ast::Stmt* const> stmts, const Scope& outer) {
        Scope inner(&outer);
        for (const ast::Stmt* stmt : stmts) {
          switch (stmt->kind) {
            case ast::StmtKind::kAttr: {
              auto* attr = static_cast<const ast::AttrStmt*>(stmt);
              if (attr->name.name == "on_drift") {
                Value v = Eval(*attr->value, inner, file);
                if (v.kind() == ValueKind::kString &&
                    (v.string_value() == "report" ||
                     v.string_value() == "heal")) {
                  resource.set_on_drift(v.string_value());
                } else if (!v.is_unknown()) {
                  Error(DiagnosticKind::kTypeMismatch,
                        Range(file, *attr->value),
                        "on_drift is \"report\" or \"heal\"", resource_path);
                }
                break;
              }
              if (attr->name.name == "keep") {
                Value v = Eval(*attr->value, inner, file);
                if (v.kind() == ValueKind::kBool) {
                  resource.set_keep(v.bool_value());
                } else if (!v.is_unknown()) {
                  Error(
                      DiagnosticKind::kTypeMismatch, Range(file, *attr->value),
                      StrCat("keep is a bool, not ", WithArticle(v.TypeName())),
                      resource_path);
                }
                break;
              }
              if (attr->name.name == "notify" ||
                  attr->name.name == "depends_on") {
                Value v = Eval(*attr->value, inner, file);
                List targets =
                    v.kind() == ValueKind::kList ? v.list() : List{v};
                for (const Value& t : targets) {
                  if (t.is_unknown()) continue;
                  bool notify = attr->name.name == "notify";
                  if (t.kind() != ValueKind::kResource ||
                      t.resource_kind() == "host" ||
                      (notify && t.resource_action().empty()) ||
                      (!notify && !t.resource_action().empty())) {
                    Error(DiagnosticKind::kTypeMismatch,
                          Range(file, *attr->value),
                          notify ? "notify takes resource actions such as "
                                   "service.nginx.reload"
                                 : "depends_on takes resources such as "
                                   "package.nginx",
                          resource_path);
                    continue;
                  }
                  v1::ResourceRef ref;
                  ref.set_kind(t.resource_kind());
                  ref.set_id(t.resource_id());
                  if (notify) {
                    v1::Notify* n = resource.add_notify();
                    *n->mutable_target() = ref;
                    n->set_action(t.resource_action());
                  } else {
                    *resource.add_depends_on() = ref;
                  }
                  build.edges.push_back(
                      {resource_index, ref, Range(file, *attr->value), notify});
                }
                break;
              }
              written.insert(std::string(attr->name.name));
              SetField(*message, *attr, inner, file, resource_path,
                       &secret_fields);
              break;
            }
            case ast::StmtKind::kRule: {
              auto* rule = static_cast<const ast::RuleStmt*>(stmt);
              auto* firewall = dynamic_cast<v1::Firewall*>(message.get());
              if (firewall == nullptr) break;  // Misplaced; reported.
              v1::Firewall::Rule* r = firewall->add_rules();
              switch (rule->action) {
                case ast::RuleAction::kAllow:
                  r->set_action(v1::Firewall::ACTION_ALLOW);
                  break;
                case ast::RuleAction::kDeny:
                  r->set_action(v1::Firewall::ACTION_DENY);
                  break;
                case ast::RuleAction::kReject:
                  r->set_action(v1::Firewall::ACTION_REJECT);
                  break;
              }
              r->set_protocol(std::string(rule->protocol.name));
              auto strings =
                  [&](const ast::Expr* e,
                      google::protobuf::RepeatedPtrField<std::string>* out) {
                    if (e == nullptr) return;
                    // `any` stands for no restriction.
                    if (e->kind == ast::ExprKind::kName &&
                        static_cast<const ast::NameExpr*>(e)->name == "any" &&
                        inner.Find("any") == nullptr) {
                      return;
                    }
                    Value v = Eval(*e, inner, file);
                    List items =
                        v.kind() == ValueKind::kList ? v.list() : List{v};
                    for (const Value& item : items) {
                      std::string text;
                      if (item.kind() == ValueKind::kString ||
                          item.kind() == ValueKind::kInt) {
                        Stringify(item, *e, file, text);
                        out->Add(std::move(text));
                      } else if (!item.is_unknown()) {
                        Error(
                            DiagnosticKind::kTypeMismatch, Range(file, *e),
                            StrCat("a rule takes strings or numbers here, not ",
                                   WithArticle(item.TypeName())),
                            resource_path);
                      }
                    }
                  };
              strings(rule->ports, r->mutable_ports());
              if (rule->ports != nullptr && r->ports().empty()) {
                // An empty list of ports is no port, not every port.
                firewall->mutable_rules()->RemoveLast();
                break;
              }
              strings(rule->from, r->mutable_from());
              strings(rule->to, r->mutable_to());
              // An empty list of sources (or destinations) is nobody, not
              // everybody: `any` says everybody.
              auto is_any = [&](const ast::Expr* e) {
                return e->kind == ast::ExprKind::kName &&
                       static_cast<const ast::NameExpr*>(e)->name == "any" &&
                       inner.Find("any") == nullptr;
              };
              if ((rule->from != nullptr && r->from().empty() &&
                   !is_any(rule->from)) ||
                  (rule->to != nullptr && r->to().empty() &&
                   !is_any(rule->to))) {
                firewall->mutable_rules()->RemoveLast();
                break;
              }
              LineColumn pos = sources_.Get(file)->Position(rule->begin);
              r->set_comment(StrCat(sources_.Get(file)->path(), ":", pos.line));
              break;
            }
            case ast::StmtKind::kLet: {
              auto* let = static_cast<const ast::LetStmt*>(stmt);
              inner.Define(std::string(let->name.name),
                           Eval(*let->value, inner, file));
              break;
            }
            case ast::StmtKind::kIf: {
              const ast::Stmt* s = stmt;
              while (s != nullptr) {
                auto* branch = static_cast<const ast::IfStmt*>(s);
                Value cond = Eval(*branch->condition, inner, file);
                if (cond.kind() != ValueKind::kBool) {
                  if (!cond.is_unknown()) {
                    Error(DiagnosticKind::kTypeMismatch,
                          Range(file, *branch->condition),
                          StrCat("if needs a bool, not ",
                                 WithArticle(cond.TypeName())),
                          resource_path);
                  }
                  break;
                }
                if (cond.bool_value()) {
                  body(branch->then_body.stmts, inner);
                  break;
                }
                if (branch->else_body) {
                  body(branch->else_body->stmts, inner);
                  break;
                }
                s = branch->else_if;
              }
              break;
            }
            case ast::StmtKind::kFor: {
              auto* loop = static_cast<const ast::ForStmt*>(stmt);
              Value items = Eval(*loop->iterable, inner, file);
              if (items.kind() != ValueKind::kList ||
                  !loop->value_var.empty()) {
                if (!items.is_unknown()) {
                  Error(DiagnosticKind::kTypeMismatch,
                        Range(file, *loop->iterable),
                        "inside a resource, for takes a list and one "
                        "variable",
                        resource_path);
                }
                break;
              }
              for (const Value& item : items.list()) {
                Scope each(&inner);
                each.Define(std::string(loop->key.name), item);
                body(loop->body.stmts, each);
              }
              break;
            }
            case ast::StmtKind::kBlock: {
              auto* nested = static_cast<const ast::BlockStmt*>(stmt);
              Error(DiagnosticKind::kUnknownAttribute,
                    Range(file, nested->type.begin, nested->type.end),
                    StrCat("a ", kind, " holds attributes, not '",
                           nested->type.name, "' blocks"),
                    resource_path);
              break;
            }
            default:
              break;
          }
        }
      };
  body(block.body.stmts, scope);
  CheckRequired(*message, where, resource_path, &written);
  CheckKindRules(*message, written, where, resource_path);

  auto [it, inserted] = build.index.emplace(
      std::make_pair(std::string(kind), id), resource_index);
  if (!inserted) {
    // The same resource declared again the same way (two sites that each
    // need nginx) is one resource: its edges are merged. Declared
    // differently, it is a mistake.
    v1::Resource& first = *build.catalog.mutable_resources(it->second);
    std::vector<std::string> differ =
        DifferingFields(first, *message, resource, secret_fields);
    if (differ.empty()) {
      MergeEdges(resource, first);
      for (HostBuild::Edge& edge : build.edges) {
        if (edge.from == resource_index) edge.from = it->second;
      }
      return;
    }
    Diagnostic& d = Error(DiagnosticKind::kDuplicateResource, where,
                          StrCat(kind, " '", id, "' is declared twice on host ",
                                 build.catalog.host().name(),
                                 ", differently: ", StrJoin(differ, ", ")),
                          resource_path);
    d.labels.push_back({build.declared[it->second], "first declared here"});
    d.help =
        "declare it once, or the same way in both places (identical "
        "declarations are one resource)";
    build.edges.erase(std::remove_if(build.edges.begin(), build.edges.end(),
                                     [&](const HostBuild::Edge& edge) {
                                       return edge.from == resource_index;
                                     }),
                      build.edges.end());
    return;
  }
  build.declared.push_back(where);
  resource.mutable_spec()->PackFrom(*message);
  *resource.mutable_source() = Location(where);
  resource.set_config_path(resource_path);
  for (std::string& f : secret_fields) resource.add_secret_fields(std::move(f));
  *build.catalog.add_resources() = std::move(resource);
}

void Evaluator::EvalRecord(const ast::BlockStmt& block, const Scope& scope,
                           FileId file, const std::string& path,
                           ZoneCatalog& zone,
                           std::map<std::string, SourceRange>& seen) {
  const ast::BlockStmt* record = &block;
  if (record->type.name != "record" || record->labels.size() < 2) return;
  Value name = Eval(*record->labels[0], scope, file);
  if (name.kind() != ValueKind::kString) return;
  std::string type;
  if (record->labels[1]->kind == ast::ExprKind::kName) {
    type =
        std::string(static_cast<const ast::NameExpr*>(record->labels[1])->name);
  } else {
    Value t = Eval(*record->labels[1], scope, file);
    if (t.kind() == ValueKind::kString) type = t.string_value();
  }
  v1::DnsRecord message;
  message.set_name(name.string_value());
  message.set_type(type);
  message.set_zone(zone.zone.name());
  std::string record_path =
      PathPart(path, "record", StrCat(name.string_value(), " ", type));
  std::vector<std::string> secrets;
  for (const ast::Stmt* s : record->body.stmts) {
    if (s->kind != ast::StmtKind::kAttr) return;
    SetField(message, *static_cast<const ast::AttrStmt*>(s), scope, file,
             record_path, &secrets);
  }
  SourceRange where = Range(file, record->type.begin, record->type.end);
  CheckRequired(message, where, record_path);
  v1::Resource resource;
  resource.set_kind("record");
  resource.set_id(StrCat(name.string_value(), " ", type));
  resource.mutable_spec()->PackFrom(message);
  *resource.mutable_source() = Location(where);
  resource.set_config_path(record_path);
  for (std::string& f : secrets) resource.add_secret_fields(std::move(f));
  std::string id = resource.id();
  if (auto [it, fresh] = seen.emplace(id, where); !fresh) {
    Diagnostic& d =
        Error(DiagnosticKind::kDuplicateResource, where,
              StrCat("zone ", zone.zone.name(), " has record '", id, "' twice"),
              record_path);
    d.labels.push_back({it->second, "first declared here"});
    return;
  }
  zone.records.push_back(std::move(resource));
}

void Evaluator::EvalZone(const ast::BlockStmt& block, const Scope& scope,
                         FileId file) {
  Value label = Eval(*block.labels[0], scope, file);
  if (label.kind() != ValueKind::kString) return;
  ZoneCatalog zone;
  zone.zone.set_name(label.string_value());
  std::string path = PathPart("", "zone", label.string_value());
  std::vector<std::string> zone_secrets;
  std::map<std::string, SourceRange> seen;
  std::function<void(absl::Span<const ast::Stmt* const>, Scope&)> walk =
      [&](absl::Span<const ast::Stmt* const> stmts, Scope& scope) {
        for (const ast::Stmt* stmt : stmts) {
          switch (stmt->kind) {
            case ast::StmtKind::kAttr:
              SetField(zone.zone, *static_cast<const ast::AttrStmt*>(stmt),
                       scope, file, path, &zone_secrets);
              continue;
            case ast::StmtKind::kLet: {
              auto* let = static_cast<const ast::LetStmt*>(stmt);
              scope.Define(std::string(let->name.name),
                           Eval(*let->value, scope, file));
              continue;
            }
            case ast::StmtKind::kFor: {
              auto* loop = static_cast<const ast::ForStmt*>(stmt);
              ForEachIteration(*loop, scope, file, path, [&](Scope& inner) {
                walk(loop->body.stmts, inner);
              });
              continue;
            }
            case ast::StmtKind::kIf:
              if (const ast::Body* chosen =
                      ChooseBranch(*static_cast<const ast::IfStmt*>(stmt),
                                   scope, file, path)) {
                Scope inner(&scope);
                walk(chosen->stmts, inner);
              }
              continue;
            case ast::StmtKind::kBlock:
              EvalRecord(*static_cast<const ast::BlockStmt*>(stmt), scope, file,
                         path, zone, seen);
              continue;
            default:
              continue;
          }
        }
      };
  Scope inner(&scope);
  walk(block.body.stmts, inner);
  CheckRequired(zone.zone, Range(file, block.type.begin, block.type.end), path);
  zone.secret_fields = std::move(zone_secrets);
  result_.zones.push_back(std::move(zone));
}

void Evaluator::EvalFleet(const ast::BlockStmt& block, const Scope& scope,
                          FileId file) {
  SourceRange range = Range(file, block.type.begin, block.type.end);
  if (fleet_range_.has_value()) {
    Diagnostic& d = Error(DiagnosticKind::kDuplicateDefinition, range,
                          "a configuration has one fleet block");
    d.labels.push_back({*fleet_range_, "first declared here"});
    return;
  }
  fleet_range_ = range;
  Scope inner(&scope);
  for (const ast::Stmt* stmt : block.body.stmts) {
    switch (stmt->kind) {
      case ast::StmtKind::kAttr:
        SetField(result_.fleet, *static_cast<const ast::AttrStmt*>(stmt), inner,
                 file, "fleet", &result_.fleet_secret_fields);
        continue;
      case ast::StmtKind::kLet: {
        auto* let = static_cast<const ast::LetStmt*>(stmt);
        inner.Define(std::string(let->name.name),
                     Eval(*let->value, inner, file));
        continue;
      }
      default:
        Error(DiagnosticKind::kNotAllowedHere,
              Range(file, stmt->begin, stmt->begin + 1),
              "a fleet block holds attributes only", "fleet");
        continue;
    }
  }
}

}  // namespace cairn::eval
