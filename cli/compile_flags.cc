#include "cli/compile_flags.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "base/strings.h"
#include "cli/files.h"
#include "compiler/vault/vault.h"
#include "lang/diagnostics/render.h"
#include "lang/parse/parse.h"

namespace cairn::cli {

CompileFlags::Take CompileFlags::TakeArg(const std::vector<std::string>& args,
                                         size_t& i, std::string& error) {
  const std::string& arg = args[i];
  auto value = [&](std::string& out) {
    if (i + 1 >= args.size()) {
      error = StrCat(arg, " needs a value");
      return false;
    }
    out = args[++i];
    return true;
  };
  std::string v;
  if (arg == "-p" || arg == "--param") {
    if (!value(v)) return Take::kBad;
    size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = StrCat("-p takes NAME=VALUE, not ", v);
      return Take::kBad;
    }
    given_params_[v.substr(0, eq)] = v.substr(eq + 1);
    return Take::kTaken;
  }
  if (arg == "--params-file") {
    if (!value(v)) return Take::kBad;
    params_files_.push_back(v);
    return Take::kTaken;
  }
  if (arg == "--vault-password-file") {
    if (!value(v)) return Take::kBad;
    absl::StatusOr<std::string> contents = ReadFile(v);
    if (!contents.ok()) {
      error = std::string(contents.status().message());
      return Take::kBad;
    }
    options.vault_password = std::string(vault::PasswordFromFile(*contents));
    return Take::kTaken;
  }
  if (arg == "--module-path") {
    if (!value(v)) return Take::kBad;
    options.module_path.push_back(v);
    return Take::kTaken;
  }
  if (StartsWith(arg, "--color=")) {
    color = arg.substr(8);
    return Take::kTaken;
  }
  if (arg == "-" || !StartsWith(arg, "-")) {
    paths.push_back(arg);
    return Take::kTaken;
  }
  return Take::kNotMine;
}

bool CompileFlags::Finish(std::string& error) {
  if (!options.vault_password.has_value()) {
    if (const char* env = std::getenv("CAIRN_VAULT_PASSWORD")) {
      options.vault_password = std::string(env);
    }
  }
  if (const char* env = std::getenv("CAIRN_MODULE_PATH")) {
    for (std::string_view dir : StrSplit(env, ':')) {
      if (!dir.empty()) options.module_path.emplace_back(dir);
    }
  }
  // Files in order, later ones winning; -p over all of them.
  for (const std::string& path : params_files_) {
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) {
      error = std::string(text.status().message());
      return false;
    }
    int line_number = 0;
    for (std::string_view line : StrSplit(*text, '\n')) {
      ++line_number;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' ||
                               line.back() == '\t')) {
        line.remove_suffix(1);
      }
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        line.remove_prefix(1);
      }
      if (line.empty() || line.front() == '#') continue;
      size_t eq = line.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        error = StrCat(path, ":", line_number,
                       ": expected NAME=VALUE (a param and its value)");
        return false;
      }
      std::string_view name = line.substr(0, eq);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
        name.remove_suffix(1);
      }
      std::string_view val = line.substr(eq + 1);
      while (!val.empty() && (val.front() == ' ' || val.front() == '\t')) {
        val.remove_prefix(1);
      }
      options.params[std::string(name)] = std::string(val);
    }
  }
  for (const auto& [name, val] : given_params_) options.params[name] = val;
  return true;
}

bool ParseCommandLine(
    const char* command, const std::vector<std::string>& args,
    CompileFlags& flags,
    const std::function<bool(const std::vector<std::string>&, size_t&)>& own) {
  std::string error;
  for (size_t i = 0; i < args.size(); ++i) {
    switch (flags.TakeArg(args, i, error)) {
      case CompileFlags::Take::kTaken:
        continue;
      case CompileFlags::Take::kBad:
        std::fprintf(stderr, "cairn %s: %s\n", command, error.c_str());
        return false;
      case CompileFlags::Take::kNotMine:
        break;
    }
    if (!own(args, i)) {
      std::fprintf(stderr, "cairn %s: unknown flag %s\n", command,
                   args[i].c_str());
      return false;
    }
  }
  if (!flags.Finish(error)) {
    std::fprintf(stderr, "cairn %s: %s\n", command, error.c_str());
    return false;
  }
  return true;
}

void PrintDiagnostics(const Compiled& compiled, const std::string& color,
                      std::string_view skip_code) {
  RenderOptions render;
  render.color = UseColor(color);
  for (const Diagnostic& d : compiled.diagnostics.diagnostics()) {
    if (!skip_code.empty() && d.code() == skip_code) continue;
    std::string text = RenderText(d, compiled.sources, render);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

absl::StatusOr<std::unique_ptr<Compiled>> ParseAndCompile(
    const CompileFlags& flags) {
  auto out = std::make_unique<Compiled>();
  bool read_stdin = false;
  std::vector<std::string> disk_paths;
  for (const std::string& path : flags.paths) {
    if (path == "-") {
      read_stdin = true;
    } else {
      disk_paths.push_back(path);
    }
  }
  absl::StatusOr<std::vector<std::string>> files =
      CollectCairnFiles(disk_paths);
  if (!files.ok()) return files.status();
  std::vector<const ast::File*> parsed;
  if (read_stdin) {
    std::string text((std::istreambuf_iterator<char>(std::cin)),
                     std::istreambuf_iterator<char>());
    out->trees.push_back(Parse(
        out->sources.AddBuffer("<stdin>", std::move(text)), out->diagnostics));
    parsed.push_back(out->trees.back().get());
  }
  for (const std::string& path : *files) {
    absl::StatusOr<const SourceFile*> source = out->sources.AddFile(path);
    if (!source.ok()) return source.status();
    out->trees.push_back(Parse(**source, out->diagnostics));
    parsed.push_back(out->trees.back().get());
  }
  out->file_count = parsed.size();
  if (!out->diagnostics.has_errors()) {
    out->result =
        Compile(out->sources, parsed, flags.options, out->diagnostics);
  }
  out->diagnostics.SortByPosition();
  return out;
}

}  // namespace cairn::cli
