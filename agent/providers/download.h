#ifndef CAIRN_AGENT_PROVIDERS_DOWNLOAD_H_
#define CAIRN_AGENT_PROVIDERS_DOWNLOAD_H_

// The file kind's `source` and `checksum`: checksums written "sha256:HEX",
// the URLs allowed, and fetching a URL with curl into a hidden temporary
// file beside the target, checked against its checksum before anything
// else happens.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/host/host.h"

namespace cairn::agent {

// "sha256:" and 64 lower-case hex digits -> the digits; InvalidArgument
// otherwise (the message quotes `checksum`).
absl::StatusOr<std::string> ParseChecksum(std::string_view checksum);

// Fails unless `url` starts with https://, http:// or file:// and holds no
// blank, control character or quote. The message shows `shown`, which is
// the URL or, for a secret one, a stand-in.
absl::Status CheckSourceUrl(std::string_view url, std::string_view shown);

// What FetchVerified fetches, and how its messages name it.
struct Fetch {
  std::string url;
  // The URL as messages show it: the URL, or "(secret URL)" for a secret
  // (which is then also taken out of curl's output).
  std::string shown;
  bool url_is_secret = false;
  // The SHA-256 the content must have, lower-case hex.
  std::string sha256;
  // How long curl may take in all.
  absl::Duration timeout = absl::Minutes(10);
};

// Largest download accepted (curl --max-filesize): 4 GiB.
inline constexpr int64_t kMaxDownloadBytes = int64_t{4} << 30;

// Downloads fetch.url with curl into a new hidden file beside `path`
// (".NAME.cairn-download-XXXXXXXX", 0600, root's), and returns that file's
// path once its SHA-256 is fetch.sha256. The URL goes to curl on stdin
// (--config -), never in its argv. On any failure (curl's, a timeout, a
// checksum that differs: the message then names the URL and both
// checksums) the temporary file is removed and nothing else was touched.
absl::StatusOr<std::string> FetchVerified(Host& host, const std::string& path,
                                          const Fetch& fetch);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_PROVIDERS_DOWNLOAD_H_
