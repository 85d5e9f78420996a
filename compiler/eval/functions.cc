// Built-in functions: file(), template(), vault(), env(), and join(),
// split(), replace(), get(), keys(), length() for values.

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>

#include "base/strings.h"
#include "compiler/eval/evaluator.h"
#include "compiler/eval/stdlib.h"
#include "compiler/template/template.h"
#include "compiler/vault/vault.h"

namespace cairn::eval {
namespace {

// Every secret string inside `v`, to keep them out of messages.
void CollectSecrets(const Value& v, std::vector<std::string>& out) {
  if (!v.secret()) return;
  switch (v.kind()) {
    case ValueKind::kString:
      if (!v.string_value().empty()) out.push_back(v.string_value());
      break;
    case ValueKind::kList:
      for (const Value& item : v.list()) CollectSecrets(item, out);
      break;
    case ValueKind::kMap:
      for (const auto& entry : v.map()) CollectSecrets(entry.second, out);
      break;
    default:
      break;
  }
}

// `text` with every occurrence of a secret replaced by "(secret)".
std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at)) {
      text.replace(at, secret.size(), "(secret)");
      at += 8;
    }
  }
  return text;
}

}  // namespace

bool IsBuiltin(std::string_view name) {
  for (std::string_view builtin :
       {"file", "template", "vault", "env", "join", "replace", "split", "get",
        "keys", "length"}) {
    if (name == builtin) return true;
  }
  return false;
}

Value Evaluator::Call(const ast::CallExpr& call, const Scope& scope,
                      FileId file) {
  // The language has no functions of its own making: a call of a built-in
  // name is the built-in even where a let or param (`param env`) shares it.
  Value callee;
  if (call.callee->kind == ast::ExprKind::kName) {
    std::string_view name =
        static_cast<const ast::NameExpr*>(call.callee)->name;
    if (IsBuiltin(name)) callee = Value::Function(std::string(name));
  }
  if (callee.is_unknown()) callee = Eval(*call.callee, scope, file);
  if (callee.is_unknown()) return callee;
  if (callee.kind() != ValueKind::kFunction) {
    Error(DiagnosticKind::kTypeMismatch, Range(file, *call.callee),
          StrCat("", WithArticle(callee.TypeName()), " cannot be called",
                 callee.kind() == ValueKind::kRole
                     ? "; apply a role with: use NAME(...)"
                     : ""));
    return Value::Unknown();
  }
  const std::string& name = callee.string_value();
  std::vector<Value> args;
  for (const ast::Arg& arg : call.args) {
    if (!arg.name.empty()) {
      Error(DiagnosticKind::kBadArguments,
            Range(file, arg.name.begin, arg.name.end),
            StrCat(name, "() takes no named arguments"));
      return Value::Unknown();
    }
    args.push_back(Eval(*arg.value, scope, file));
    if (args.back().is_unknown()) return Value::Unknown();
  }
  SourceRange at = Range(file, call.begin, call.end);
  if (name == "join") {
    // join(", ", ["a", "b"]): the strings (or numbers) of a list, separated.
    bool ok = args.size() == 2 && args[0].kind() == ValueKind::kString &&
              args[1].kind() == ValueKind::kList;
    std::vector<std::string> parts;
    bool secret = ok && (args[0].secret() || args[1].secret());
    for (size_t i = 0; ok && i < args[1].list().size(); ++i) {
      const Value& item = args[1].list()[i];
      if (item.kind() == ValueKind::kString) {
        parts.push_back(item.string_value());
      } else if (item.kind() == ValueKind::kInt) {
        parts.push_back(StrCat(item.int_value()));
      } else {
        ok = false;
      }
    }
    if (!ok) {
      Error(DiagnosticKind::kBadArguments, at,
            "join() takes a separator and a list of strings or numbers: "
            "join(\" \", users)");
      return Value::Unknown();
    }
    return Value::String(StrJoin(parts, args[0].string_value()), secret);
  }
  if (name == "split") {
    // split("a:b:c", ":"): the pieces between separators.
    if (args.size() != 2 || args[0].kind() != ValueKind::kString ||
        args[1].kind() != ValueKind::kString ||
        args[1].string_value().empty()) {
      Error(DiagnosticKind::kBadArguments, at,
            "split() takes a string and a separator (not empty): "
            "split(key, \":\")");
      return Value::Unknown();
    }
    const std::string& text = args[0].string_value();
    const std::string& separator = args[1].string_value();
    bool secret = args[0].secret();
    List pieces;
    size_t start = 0;
    for (size_t at = text.find(separator); at != std::string::npos;
         at = text.find(separator, start)) {
      pieces.push_back(Value::String(text.substr(start, at - start), secret));
      start = at + separator.size();
    }
    pieces.push_back(Value::String(text.substr(start), secret));
    return Value::MakeList(std::move(pieces));
  }
  if (name == "replace") {
    // replace(s, "old", "new"): every occurrence.
    if (args.size() != 3 || args[0].kind() != ValueKind::kString ||
        args[1].kind() != ValueKind::kString ||
        args[2].kind() != ValueKind::kString ||
        args[1].string_value().empty()) {
      Error(DiagnosticKind::kBadArguments, at,
            "replace() takes a string, what to replace (not empty) and its "
            "replacement: replace(name, \".\", \"_\")");
      return Value::Unknown();
    }
    std::string out = args[0].string_value();
    const std::string& from = args[1].string_value();
    const std::string& to = args[2].string_value();
    for (size_t pos = out.find(from); pos != std::string::npos;
         pos = out.find(from, pos + to.size())) {
      out.replace(pos, from.size(), to);
    }
    return Value::String(std::move(out), args[0].secret() || args[1].secret() ||
                                             args[2].secret());
  }
  if (name == "get") {
    // get(m, "key", default): m.key when m has it, else the default.
    if (args.size() != 3 || args[0].kind() != ValueKind::kMap ||
        args[1].kind() != ValueKind::kString) {
      Error(DiagnosticKind::kBadArguments, at,
            "get() takes a map, a key and a default: get(user, \"shell\", "
            "\"/bin/bash\")");
      return Value::Unknown();
    }
    for (const auto& [key, value] : args[0].map()) {
      if (key == args[1].string_value()) return value;
    }
    return args[2];
  }
  if (name == "keys") {
    if (args.size() != 1 || args[0].kind() != ValueKind::kMap) {
      Error(DiagnosticKind::kBadArguments, at, "keys() takes a map");
      return Value::Unknown();
    }
    List keys;
    for (const auto& entry : args[0].map()) {
      keys.push_back(Value::String(entry.first));
    }
    return Value::MakeList(std::move(keys));
  }
  if (name == "length") {
    if (args.size() != 1 || (args[0].kind() != ValueKind::kList &&
                             args[0].kind() != ValueKind::kMap &&
                             args[0].kind() != ValueKind::kString)) {
      Error(DiagnosticKind::kBadArguments, at,
            "length() takes a list, a map or a string");
      return Value::Unknown();
    }
    switch (args[0].kind()) {
      case ValueKind::kList:
        return Value::Int(static_cast<int64_t>(args[0].list().size()));
      case ValueKind::kMap:
        return Value::Int(static_cast<int64_t>(args[0].map().size()));
      default:
        return Value::Int(static_cast<int64_t>(args[0].string_value().size()));
    }
  }
  if (name == "file") {
    if (args.size() != 1 || args[0].kind() != ValueKind::kString) {
      Error(DiagnosticKind::kBadArguments, at,
            "file() takes one string: the path of the file to read");
      return Value::Unknown();
    }
    // Relative to the .cairn file that calls it.
    absl::StatusOr<std::string> text =
        ReadBeside(file, args[0].string_value(), nullptr);
    if (!text.ok()) {
      Error(DiagnosticKind::kFunctionFailed, Range(file, *call.args[0].value),
            StrCat("file(): ", std::string(text.status().message())));
      return Value::Unknown();
    }
    return Value::String(*std::move(text), args[0].secret());
  }
  if (name == "vault") {
    if (args.size() != 1 || args[0].kind() != ValueKind::kString) {
      Error(DiagnosticKind::kBadArguments, at,
            "vault() takes one string: the path of an ansible-vault file");
      return Value::Unknown();
    }
    return Vault(args[0].string_value(), *call.args[0].value, file);
  }
  if (name == "template") {
    if (args.empty() || args.size() > 2 ||
        args[0].kind() != ValueKind::kString ||
        (args.size() == 2 && args[1].kind() != ValueKind::kMap)) {
      Error(DiagnosticKind::kBadArguments, at,
            "template() takes the path of a template and a map of its "
            "variables: template(\"site.conf.j2\", { domain: d })");
      return Value::Unknown();
    }
    return Template(args[0].string_value(),
                    args.size() == 2 ? args[1] : Value::MakeMap({}), call,
                    file);
  }
  if (name == "env") {
    if (args.empty() || args.size() > 2 ||
        args[0].kind() != ValueKind::kString ||
        (args.size() == 2 && args[1].kind() != ValueKind::kString)) {
      Error(DiagnosticKind::kBadArguments, at,
            "env() takes the name of an environment variable and, "
            "optionally, a default string");
      return Value::Unknown();
    }
    if (!in_param_default_) {
      Diagnostic& d = Error(DiagnosticKind::kNotAllowedHere, at,
                            "env() is only allowed in the default of a param");
      d.help = StrCat("declare one: param NAME: string = env(\"",
                      args[0].string_value(), "\")");
      return Value::Unknown();
    }
    const char* value = std::getenv(args[0].string_value().c_str());
    if (value != nullptr) return Value::String(value);
    if (args.size() == 2) return args[1];
    Diagnostic& d =
        Error(DiagnosticKind::kFunctionFailed, at,
              StrCat("env(): ", args[0].string_value(), " is not set"));
    d.help = "set it, or give the param a value with -p NAME=VALUE";
    return Value::Unknown();
  }
  Error(DiagnosticKind::kUnknownName, at,
        StrCat("no function is named '", name, "'"));
  return Value::Unknown();
}

// The template engine's value for `v`; false (having reported) for values a
// template cannot take.
bool Evaluator::ToTemplateValue(const Value& v, const ast::Expr& at,
                                FileId file, jinja::Value& out) {
  switch (v.kind()) {
    case ValueKind::kNull:
      out = jinja::Value();
      return true;
    case ValueKind::kBool:
      out = jinja::Value(v.bool_value());
      return true;
    case ValueKind::kInt:
      out = jinja::Value(v.int_value());
      return true;
    case ValueKind::kFloat:
      out = jinja::Value(v.float_value());
      return true;
    case ValueKind::kString:
      out = jinja::Value(v.string_value());
      return true;
    case ValueKind::kList: {
      std::vector<jinja::Value> items(v.list().size());
      for (size_t i = 0; i < items.size(); ++i) {
        if (!ToTemplateValue(v.list()[i], at, file, items[i])) return false;
      }
      out = jinja::Value::List(std::move(items));
      return true;
    }
    case ValueKind::kMap: {
      std::vector<jinja::Value::Entry> entries;
      entries.reserve(v.map().size());
      for (const auto& [key, value] : v.map()) {
        entries.emplace_back(key, jinja::Value());
        if (!ToTemplateValue(value, at, file, entries.back().second)) {
          return false;
        }
      }
      out = jinja::Value::Map(std::move(entries));
      return true;
    }
    case ValueKind::kUnknown:
      return false;
    default:
      Error(DiagnosticKind::kTypeMismatch, Range(file, at),
            StrCat("a template cannot be given ", WithArticle(v.TypeName())));
      return false;
  }
}

Value Evaluator::Template(const std::string& relative, const Value& vars,
                          const ast::CallExpr& call, FileId file) {
  SourceRange at = Range(file, call.begin, call.end);
  std::string path = ResolveBeside(file, relative);
  auto [it, fresh] = templates_.try_emplace(path);
  TemplateEntry& entry = it->second;
  if (fresh) {
    // Parsed once, whichever host asks first; the file joins the sources so
    // that its mistakes are shown in it.
    const SourceFile* source = nullptr;
    if (IsEmbedded(file)) {
      if (const StdFile* f = FindStdFile(path)) {
        source = &sources_.AddBuffer(path, std::string(f->contents));
        embedded_.insert(source->id());
      }
    } else if (absl::StatusOr<const SourceFile*> added = sources_.AddFile(path);
               added.ok()) {
      source = *added;
    } else {
      Error(DiagnosticKind::kFunctionFailed, Range(file, *call.args[0].value),
            StrCat("template(): ", std::string(added.status().message())));
    }
    if (source == nullptr && IsEmbedded(file)) {
      Error(
          DiagnosticKind::kFunctionFailed, Range(file, *call.args[0].value),
          StrCat("template(): ", path, " is not part of the standard library"));
    }
    if (source != nullptr) {
      entry.file = source->id();
      jinja::ParseResult parsed = jinja::Parse(source->text());
      if (parsed.error) {
        Diagnostic& d =
            Error(DiagnosticKind::kTemplateSyntax,
                  Range(entry.file, parsed.error->begin,
                        std::max(parsed.error->end, parsed.error->begin + 1)),
                  parsed.error->message);
        d.labels.push_back({at, "template used here"});
      } else {
        entry.tmpl = std::move(parsed.tmpl);
      }
    }
  }
  if (!entry.tmpl) return Value::Unknown();

  // Only the variables the template reads are converted, and only they
  // decide whether the output is a secret.
  std::vector<jinja::Value::Entry> given;
  std::vector<std::string> secrets;
  bool secret = false;
  const ast::Expr& vars_at =
      call.args.size() == 2 ? *call.args[1].value : *call.args[0].value;
  for (const std::string& name : entry.tmpl->variables()) {
    const Value* v = vars.Find(name);
    if (v == nullptr) continue;
    given.emplace_back(name, jinja::Value());
    if (!ToTemplateValue(*v, vars_at, file, given.back().second)) {
      return Value::Unknown();
    }
    secret |= v->secret();
    CollectSecrets(*v, secrets);
  }
  jinja::RenderResult out =
      jinja::Render(*entry.tmpl, jinja::Value::Map(std::move(given)));
  if (out.error) {
    // One report per mistake, however many hosts render the template.
    std::string message = Redact(out.error->message, secrets);
    if (entry.reported.insert({out.error->begin, message}).second) {
      Diagnostic& d =
          Error(DiagnosticKind::kTemplateRender,
                Range(entry.file, out.error->begin,
                      std::max(out.error->end, out.error->begin + 1)),
                message);
      d.labels.push_back({at, "rendered from here"});
      if (StartsWith(message, "'") &&
          message.find("is undefined") != std::string::npos) {
        d.help = "give it in template()'s map, or write {{ x | default(...) }}";
      }
    }
    return Value::Unknown();
  }
  return Value::String(std::move(out.output), secret);
}

Value Evaluator::Vault(const std::string& relative, const ast::Expr& at,
                       FileId file) {
  if (!options_.vault_password.has_value() &&
      options_.vault_password_optional) {
    Diagnostic& d = Emit(
        MakeDiagnostic(DiagnosticKind::kVaultNotOpened, Range(file, at),
                       StrCat("vault(", relative,
                              ") not opened: no vault password was given, so "
                              "what uses its secrets is not checked")));
    d.help =
        "pass --vault-password-file FILE, or set CAIRN_VAULT_PASSWORD (for "
        "CI)";
    return Value::Unknown();
  }
  if (!options_.vault_password.has_value()) {
    Diagnostic& d = Error(DiagnosticKind::kFunctionFailed, Range(file, at),
                          "vault(): no vault password was given");
    d.help =
        "pass --vault-password-file FILE, or set CAIRN_VAULT_PASSWORD (for "
        "CI)";
    return Value::Unknown();
  }
  absl::StatusOr<std::string> text = ReadBeside(file, relative, nullptr);
  if (!text.ok()) {
    Error(DiagnosticKind::kFunctionFailed, Range(file, at),
          StrCat("vault(): ", std::string(text.status().message())));
    return Value::Unknown();
  }
  absl::StatusOr<std::map<std::string, std::string>> vars =
      vault::DecryptYamlVars(*text, *options_.vault_password);
  if (!vars.ok()) {
    // The library's messages never hold a secret.
    Error(DiagnosticKind::kFunctionFailed, Range(file, at),
          StrCat("vault(", relative,
                 "): ", std::string(vars.status().message())));
    return Value::Unknown();
  }
  // Dotted keys ("mysql.root_password") become nested maps.
  std::function<Value(const std::map<std::string, std::string>&,
                      const std::string&)>
      build = [&](const std::map<std::string, std::string>& entries,
                  const std::string& prefix) {
        Map map;
        std::set<std::string> nested;
        for (const auto& [key, value] : entries) {
          if (key.rfind(prefix, 0) != 0) continue;
          std::string rest = key.substr(prefix.size());
          size_t dot = rest.find('.');
          if (dot == std::string::npos) {
            map.emplace_back(rest, Value::String(value, /*secret=*/true));
          } else if (nested.insert(rest.substr(0, dot)).second) {
            map.emplace_back(rest.substr(0, dot),
                             build(entries, prefix + rest.substr(0, dot + 1)));
          }
        }
        return Value::MakeMap(std::move(map));
      };
  return build(*vars, "");
}

}  // namespace cairn::eval
