// cairn graph: the order resources are applied in, as a Graphviz DOT graph.
//
//   cairn graph fleet/ --host web1 | dot -Tsvg > web1.svg
//
// An edge A -> B means A is applied before B: B depends_on A (solid), or A
// notifies B (dashed, labelled with the action).

#include <cstdio>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/compile_flags.h"

namespace cairn::cli {
namespace {

// A DOT string literal.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string NodeName(std::string_view kind, std::string_view id) {
  return StrCat(kind, " ", id);
}

// One host's resources and edges, as the body of a graph or cluster.
void AppendHost(const v1::Catalog& catalog, std::string_view indent,
                std::string_view prefix, std::string& out) {
  auto node = [&](std::string_view kind, std::string_view id) {
    return Quote(StrCat(prefix, NodeName(kind, id)));
  };
  for (const v1::Resource& r : catalog.resources()) {
    StrAppend(&out, indent, node(r.kind(), r.id()),
              " [label=", Quote(NodeName(r.kind(), r.id())), "];\n");
  }
  for (const v1::Resource& r : catalog.resources()) {
    for (const v1::ResourceRef& dep : r.depends_on()) {
      StrAppend(&out, indent, node(dep.kind(), dep.id()), " -> ",
                node(r.kind(), r.id()), ";\n");
    }
    for (const v1::Notify& n : r.notify()) {
      StrAppend(&out, indent, node(r.kind(), r.id()), " -> ",
                node(n.target().kind(), n.target().id()),
                " [style=dashed, label=", Quote(n.action()), "];\n");
    }
  }
}

}  // namespace

int Graph(const std::vector<std::string>& args) {
  std::string host;
  CompileFlags flags;
  bool parsed = ParseCommandLine(
      "graph", args, flags, [&](const std::vector<std::string>& a, size_t& i) {
        if (a[i] != "--host" || i + 1 >= a.size()) return false;
        host = a[++i];
        return true;
      });
  if (!parsed) return kExitUsage;
  if (flags.paths.empty()) {
    std::fprintf(stderr, "usage: cairn graph PATH... [--host NAME] %s\n",
                 CompileFlags::kUsage);
    return kExitUsage;
  }
  std::string body;
  bool found = false;
  flags.options.on_catalog = [&](v1::Catalog catalog) {
    if (!host.empty()) {
      if (catalog.host().name() != host) return;
      found = true;
      AppendHost(catalog, "  ", "", body);
      return;
    }
    // Every host in a cluster of its own; node names carry the host.
    found = true;
    const std::string& name = catalog.host().name();
    StrAppend(&body, "  subgraph ", Quote(StrCat("cluster_", name)), " {\n",
              "    label=", Quote(StrCat("host ", name)), ";\n");
    AppendHost(catalog, "    ", StrCat(name, ": "), body);
    body += "  }\n";
  };
  absl::StatusOr<std::unique_ptr<Compiled>> compiled = ParseAndCompile(flags);
  if (!compiled.ok()) {
    std::fprintf(stderr, "cairn graph: %s\n",
                 std::string(compiled.status().message()).c_str());
    return kExitUsage;
  }
  PrintDiagnostics(**compiled, flags.color);
  if ((*compiled)->diagnostics.has_errors()) return kExitFindings;
  if (!host.empty() && !found) {
    std::fprintf(stderr, "cairn graph: no host is named %s\n", host.c_str());
    return kExitUsage;
  }
  std::string out =
      StrCat("digraph ", Quote(host.empty() ? "fleet" : host), " {\n",
             "  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
             body, "}\n");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace cairn::cli
