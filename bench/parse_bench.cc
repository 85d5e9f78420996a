// The parse benchmark: how fast Parse() reads one large fleet file, and how
// much memory one parse needs at its peak.
//
//   parse_bench --fleet=/tmp/fleet.cairn [--benchmark_... flags]
//   CAIRN_BENCH_FLEET=/tmp/fleet.cairn parse_bench
//
// The fleet comes from bench/gen_fleet.py. Speed is measured by Google
// Benchmark on one thread (bytes/s, lines/s, AST arena bytes). Peak memory is
// measured once, before the timed runs, in forked children so that the
// benchmark's own allocations do not count: one child only reads the file,
// the other reads and parses it, and the difference of their peak resident
// set sizes is what the parse itself needed.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "benchmark/benchmark.h"
#include "lang/ast/ast.h"
#include "lang/diagnostics/diagnostic.h"
#include "lang/parse/parse.h"
#include "lang/source/source.h"

namespace cairn {
namespace {

constexpr std::string_view kFleetFlag = "--fleet=";
constexpr char kFleetEnv[] = "CAIRN_BENCH_FLEET";

// The fleet file's path, from --fleet= or the environment.
std::string& FleetPath() {
  static std::string* path = new std::string;
  return *path;
}

// Reads the fleet into a SourceFile, or exits: without input there is nothing
// to measure.
std::unique_ptr<SourceFile> LoadFleet() {
  absl::StatusOr<std::string> text = ReadFile(FleetPath());
  if (!text.ok()) {
    std::fprintf(stderr, "parse_bench: %s\n",
                 std::string(text.status().message()).c_str());
    std::exit(2);
  }
  return std::make_unique<SourceFile>(1, FleetPath(), *std::move(text));
}

size_t CountLines(std::string_view text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

void BM_Parse(benchmark::State& state) {
  std::unique_ptr<SourceFile> source = LoadFleet();
  const size_t bytes = source->text().size();
  const size_t lines = CountLines(source->text());
  size_t arena_bytes = 0;
  size_t diagnostic_count = 0;
  for (auto _ : state) {
    // The tree is freed inside the loop: releasing it is part of a parse.
    DiagnosticSink diagnostics;
    std::unique_ptr<ast::File> file = Parse(*source, diagnostics);
    benchmark::DoNotOptimize(file.get());
    arena_bytes = file->arena.bytes_used();
    diagnostic_count = diagnostics.diagnostics().size();
  }
  if (diagnostic_count != 0) {
    state.SkipWithError(StrCat("the fleet has ", diagnostic_count,
                               " diagnostics; run `cairn check` on it")
                            .c_str());
    return;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(lines) * state.iterations(),
                         benchmark::Counter::kIsRate);
  state.counters["input_bytes"] = static_cast<double>(bytes);
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["arena_bytes"] = static_cast<double>(arena_bytes);
  state.counters["arena/input"] =
      static_cast<double>(arena_bytes) / static_cast<double>(bytes);
}
// The script asks for --benchmark_min_time=3 so that a run has several parses.
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

// Runs `work` in a forked child and returns the peak RSS, in KiB, of every
// child waited for so far (getrusage(RUSAGE_CHILDREN) keeps the maximum, so
// children must be run from the smallest to the largest). Returns -1 when the
// child fails.
template <typename Work>
long PeakRssOfChild(Work work) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("parse_bench: fork");
    return -1;
  }
  if (pid == 0) _exit(work() ? 0 : 1);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return -1;
  }
  rusage usage;
  std::memset(&usage, 0, sizeof usage);
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;  // KiB on Linux.
}

// Measures the peak memory of one parse, prints it and adds it to the
// benchmark's context. Runs before the timed runs so that the children
// inherit as little of the parent's memory as possible.
void MeasurePeakMemory() {
  long baseline_kib = PeakRssOfChild([] {
    std::unique_ptr<SourceFile> source = LoadFleet();
    benchmark::DoNotOptimize(source->text().data());
    return true;
  });
  long parse_kib = PeakRssOfChild([] {
    std::unique_ptr<SourceFile> source = LoadFleet();
    DiagnosticSink diagnostics;
    std::unique_ptr<ast::File> file = Parse(*source, diagnostics);
    benchmark::DoNotOptimize(file.get());
    return !diagnostics.has_errors();
  });
  if (baseline_kib < 0 || parse_kib < 0) {
    std::fprintf(stderr, "parse_bench: the memory measurement failed\n");
    return;
  }
  std::unique_ptr<SourceFile> source = LoadFleet();
  const double input_kib = source->text().size() / 1024.0;
  const long delta_kib = parse_kib - baseline_kib;
  const double ratio = delta_kib / input_kib;
  std::printf(
      "peak memory: input %.0f KiB; read-only child %ld KiB; parsing child "
      "%ld KiB; parse peak %ld KiB = %.2fx input\n",
      input_kib, baseline_kib, parse_kib, delta_kib, ratio);
  benchmark::AddCustomContext("input_bytes", StrCat(source->text().size()));
  benchmark::AddCustomContext("baseline_peak_rss_kib", StrCat(baseline_kib));
  benchmark::AddCustomContext("parse_peak_rss_kib", StrCat(parse_kib));
  benchmark::AddCustomContext("parse_peak_over_input", StrCat(ratio));
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  // Take --fleet= out of argv before Google Benchmark sees its flags.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (cairn::StartsWith(arg, cairn::kFleetFlag)) {
      cairn::FleetPath() = std::string(arg.substr(cairn::kFleetFlag.size()));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (cairn::FleetPath().empty()) {
    if (const char* env = std::getenv(cairn::kFleetEnv)) {
      cairn::FleetPath() = env;
    }
  }
  if (cairn::FleetPath().empty()) {
    std::fprintf(stderr,
                 "usage: parse_bench --fleet=FILE [--benchmark_...]\n"
                 "   or: CAIRN_BENCH_FLEET=FILE parse_bench\n"
                 "Make a FILE with bench/gen_fleet.py.\n");
    return 2;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  cairn::MeasurePeakMemory();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
