#include "agent/providers/download.h"

#include <random>
#include <vector>

#include "absl/status/status.h"
#include "agent/providers/command_output.h"
#include "base/strings.h"

namespace cairn::agent {
namespace {

std::string RandomSuffix() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(kChars[random() % 36]);
  return out;
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

absl::StatusOr<std::string> ParseChecksum(std::string_view checksum) {
  constexpr std::string_view kPrefix = "sha256:";
  bool valid =
      StartsWith(checksum, kPrefix) && checksum.size() == kPrefix.size() + 64;
  for (size_t i = kPrefix.size(); valid && i < checksum.size(); ++i) {
    valid = IsLowerHex(checksum[i]);
  }
  if (!valid) {
    return absl::InvalidArgumentError(
        StrCat("checksum '", checksum,
               "' is not \"sha256:\" and 64 lower-case hex digits"));
  }
  return std::string(checksum.substr(kPrefix.size()));
}

absl::Status CheckSourceUrl(std::string_view url, std::string_view shown) {
  if (!StartsWith(url, "https://") && !StartsWith(url, "http://") &&
      !StartsWith(url, "file://")) {
    return absl::InvalidArgumentError(StrCat(
        "source ", shown, " is not an https://, http:// or file:// URL"));
  }
  for (char c : url) {
    // Nothing a URL needs, and nothing that could end curl's config line.
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '"' ||
        c == '\\') {
      return absl::InvalidArgumentError(
          StrCat("source ", shown,
                 " holds a blank, control character, quote or backslash "
                 "(percent-encode it)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FetchVerified(Host& host, const std::string& path,
                                          const Fetch& fetch) {
  size_t slash = path.rfind('/');
  std::string temp =
      StrCat(path.substr(0, slash + 1), ".", path.substr(slash + 1),
             ".cairn-download-", RandomSuffix());
  // Made first, empty, 0600 and root's: curl writes into it rather than into
  // a file it would make with the agent's umask, and nobody else can read
  // a download before it is checked.
  if (absl::Status made = host.WriteFile(temp, "", 0600, 0, 0); !made.ok()) {
    return made;
  }
  auto fail = [&](absl::Status status) {
    (void)host.Remove(temp);
    return status;
  };
  std::vector<std::string> argv = {
      "curl",
      "-q",  // First: no ~/.curlrc.
      "--fail",
      "--silent",
      "--show-error",
      "--location",
      "--proto",
      "=https,http,file",
      "--proto-redir",
      "=https,http",
      "--max-filesize",
      StrCat(kMaxDownloadBytes),
      "--connect-timeout",
      "30",
      "--output",
      temp,
      "--config",
      "-",
  };
  std::vector<std::string> secrets;
  if (fetch.url_is_secret) secrets.push_back(fetch.url);
  absl::StatusOr<CommandResult> ran =
      host.Run(argv, StrCat("url = \"", fetch.url, "\"\n"), fetch.timeout);
  if (!ran.ok()) {
    if (absl::IsDeadlineExceeded(ran.status())) {
      return fail(absl::DeadlineExceededError(
          StrCat("downloading ", fetch.shown, ": not done after ",
                 absl::FormatDuration(fetch.timeout), ", stopped")));
    }
    return fail(absl::Status(
        ran.status().code(),
        StrCat("downloading ", fetch.shown, ": ",
               Redact(std::string(ran.status().message()), secrets))));
  }
  if (ran->exit_code != 0) {
    return fail(absl::UnavailableError(
        StrCat("downloading ", fetch.shown, " failed (curl exited with ",
               ran->exit_code, "): ", OutputTail(*ran, secrets))));
  }
  absl::StatusOr<std::string> sha256 = host.FileSha256(temp);
  if (!sha256.ok()) return fail(sha256.status());
  if (*sha256 != fetch.sha256) {
    return fail(absl::FailedPreconditionError(StrCat(
        "the download from ", fetch.shown, " has checksum sha256:", *sha256,
        ", not the declared sha256:", fetch.sha256,
        "; it was thrown away and nothing was changed")));
  }
  return temp;
}

}  // namespace cairn::agent
