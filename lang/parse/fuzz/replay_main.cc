// Runs LLVMFuzzerTestOneInput on saved inputs, without libFuzzer, so that the
// corpus (seeds and every crasher found) is a regression test:
//   replay PATH...   every file named, and every file under each directory
//   replay           under `bazel test`, every file of the corpus in the
//                    runfiles (lang/parse/fuzz/corpus)
// Prints "replayed N inputs" and exits 0 when none crashed; a crash aborts
// after naming the input it was replaying. Exits 1 when no input was found.
//
// Inputs run on a thread with a 2 MiB stack, a quarter of the usual 8 MiB.
// The fuzzer's inputs are capped at 64 KiB and its ASan build uses several
// times more stack per call than this optimised build, so on a full stack
// recursion that grows with the input (a chain of 30,000 member accesses)
// could pass here although it overflowed under ASan, and would crash the
// tools on a file a few times larger.

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The stack of the thread that replays; see the top of the file.
constexpr size_t kStackBytes = 2 << 20;

// The input being replayed, for the crash handler. Set before each run.
char current_input[4096] = "";

void WriteStderr(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

// Names the input on a crash, then lets the signal take its course (the
// handler is reset on entry, so the signal is raised again by default).
void OnCrash(int signal) {
  WriteStderr("\nreplay: crashed while replaying ");
  WriteStderr(current_input);
  WriteStderr("\n");
  std::raise(signal);
}

void InstallCrashHandler() {
  struct sigaction action = {};
  action.sa_handler = OnCrash;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    sigaction(signal, &action, nullptr);
  }
}

// Gives the calling thread a stack of its own for signal handlers, so that
// the crash handler runs after a stack overflow too.
void UseAlternateSignalStack() {
  static char* memory = new char[1 << 16];
  stack_t stack = {};
  stack.ss_sp = memory;
  stack.ss_size = 1 << 16;
  sigaltstack(&stack, nullptr);
}

fs::path DefaultCorpus() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return fs::path(srcdir ? srcdir : ".") / (workspace ? workspace : "cairn") /
         "lang/parse/fuzz/corpus";
}

// Every regular file named or under a directory named, sorted.
std::vector<fs::path> CollectInputs(const std::vector<fs::path>& roots) {
  std::vector<fs::path> inputs;
  for (const fs::path& root : roots) {
    std::error_code error;
    if (fs::is_directory(root, error)) {
      for (auto it = fs::recursive_directory_iterator(
               root, fs::directory_options::follow_directory_symlink, error);
           !error && it != fs::recursive_directory_iterator();
           it.increment(error)) {
        if (it->is_regular_file(error)) inputs.push_back(it->path());
      }
    } else if (fs::is_regular_file(root, error)) {
      inputs.push_back(root);
    }
    if (error) {
      std::fprintf(stderr, "replay: %s: %s\n", root.c_str(),
                   error.message().c_str());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

bool ReadAll(const fs::path& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents.assign(std::istreambuf_iterator<char>(in),
                  std::istreambuf_iterator<char>());
  return !in.bad();
}

struct Replay {
  std::vector<fs::path> inputs;
  int status = 0;
};

void* ReplayAll(void* arg) {
  Replay& replay = *static_cast<Replay*>(arg);
  UseAlternateSignalStack();
  using Clock = std::chrono::steady_clock;
  double slowest_seconds = 0;
  fs::path slowest;
  size_t bytes = 0;
  std::string contents;
  for (const fs::path& input : replay.inputs) {
    if (!ReadAll(input, contents)) {
      std::fprintf(stderr, "replay: cannot read %s\n", input.c_str());
      replay.status = 1;
      return nullptr;
    }
    std::snprintf(current_input, sizeof current_input, "%s", input.c_str());
    Clock::time_point start = Clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(contents.data()),
                           contents.size());
    double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds > slowest_seconds) {
      slowest_seconds = seconds;
      slowest = input;
    }
    bytes += contents.size();
  }
  std::printf("slowest: %s (%.3f s)\n", slowest.filename().c_str(),
              slowest_seconds);
  std::printf("replayed %zu inputs (%zu bytes)\n", replay.inputs.size(), bytes);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> roots;
  for (int i = 1; i < argc; ++i) {
    // libFuzzer-style flags (-runs=..., -max_len=...) are accepted and
    // ignored, so that the same command line works for both binaries.
    if (argv[i][0] == '-') continue;
    roots.emplace_back(argv[i]);
  }
  if (roots.empty()) roots.push_back(DefaultCorpus());

  Replay replay;
  replay.inputs = CollectInputs(roots);
  if (replay.inputs.empty()) {
    std::fprintf(stderr, "replay: no input found under");
    for (const fs::path& root : roots) {
      std::fprintf(stderr, " %s", root.c_str());
    }
    std::fprintf(stderr, "\n");
    return 1;
  }

  InstallCrashHandler();
  UseAlternateSignalStack();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackBytes);
  pthread_t thread;
  if (pthread_create(&thread, &attr, ReplayAll, &replay) != 0) {
    std::fprintf(stderr, "replay: cannot start a thread\n");
    return 1;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return replay.status;
}
