#include "agent/drift/drift.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/strings.h"
#include "google/protobuf/descriptor.h"

namespace cairn::agent {
namespace {

namespace pb = google::protobuf;
using Clock = std::chrono::steady_clock;
using Key = std::pair<std::string, std::string>;

constexpr uint32_t kDirMask =
    IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MODIFY |
    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// A drift event keeps at most this much of a text diff.
constexpr size_t kMaxTextDiff = 64 << 10;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Key KeyOf(const v1::Resource& r) { return {r.kind(), r.id()}; }
Key KeyOf(const v1::ResourceRef& r) { return {r.kind(), r.id()}; }

// The value of the string field `name` of a resource's spec, or "".
std::string SpecString(const v1::Resource& r, const char* name) {
  const pb::Any& any = r.spec();
  std::string type(any.type_url().substr(any.type_url().rfind('/') + 1));
  const pb::Descriptor* d =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (d == nullptr) return "";
  const pb::FieldDescriptor* f = d->FindFieldByName(name);
  if (f == nullptr || f->type() != pb::FieldDescriptor::TYPE_STRING) return "";
  std::unique_ptr<pb::Message> m(
      pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
  if (!m->ParseFromString(any.value())) return "";
  return m->GetReflection()->GetString(*m, f);
}

// The paths whose changes may make `r` drift.
std::vector<std::string> WatchedPaths(const v1::Resource& r) {
  const std::string& kind = r.kind();
  if (kind == "file" || kind == "line" || kind == "directory" ||
      kind == "symlink") {
    std::string path = SpecString(r, "path");
    if (path.empty() || path == "/") return {};
    return {path};
  }
  if (kind == "sudo") return {StrCat("/etc/sudoers.d/", r.id())};
  if (kind == "user") {
    return {"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"};
  }
  if (kind == "group") return {"/etc/group", "/etc/gshadow"};
  return {};
}

// The systemd unit a service or timer resource is, or "".
std::string UnitOf(const v1::Resource& r) {
  if (r.kind() == "service") {
    return r.id().find('.') == std::string::npos ? StrCat(r.id(), ".service")
                                                 : r.id();
  }
  if (r.kind() == "timer") return StrCat(r.id(), ".timer");
  return "";
}

std::pair<std::string, std::string> Split(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// `systemctl show` prints one block of lines per unit, blank-line apart.
std::vector<std::string> Blocks(const std::string& text) {
  std::vector<std::string> out(1);
  for (std::string_view line : StrSplit(text, '\n')) {
    if (line.empty()) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    StrAppend(&out.back(), line, "\n");
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

std::string Framed(const v1::DriftEvent& event) {
  std::string bytes = event.SerializeAsString();
  uint32_t n = static_cast<uint32_t>(bytes.size());
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 255);
  return out + bytes;
}

}  // namespace

DriftWatcher::DriftWatcher(Engine& engine, Host& host, DriftOptions options)
    : engine_(engine), host_(host), options_(std::move(options)) {}

DriftWatcher::~DriftWatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::Status DriftWatcher::LoadQueue() {
  std::string path = StrCat(options_.state_dir, "/drift.log");
  absl::StatusOr<FileInfo> info = host_.Stat(path);
  if (!info.ok()) return info.status();
  if (!info->exists()) return absl::OkStatus();
  absl::StatusOr<std::string> bytes = host_.ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  size_t at = 0;
  while (at + 4 <= bytes->size()) {
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) {
      n |= static_cast<uint32_t>(static_cast<unsigned char>((*bytes)[at + i]))
           << (8 * i);
    }
    if (at + 4 + n > bytes->size()) break;  // A torn last record.
    v1::DriftEvent event;
    if (!event.ParseFromArray(bytes->data() + at + 4, static_cast<int>(n))) {
      break;
    }
    at += 4 + n;
    next_seq_ = std::max(next_seq_, event.seq() + 1);
    events_.push_back(std::move(event));
  }
  return absl::OkStatus();
}

absl::Status DriftWatcher::Start() {
  if (absl::Status loaded = LoadQueue(); !loaded.ok()) return loaded;
  // What drifted before the restart is still drifted until a check says
  // otherwise: no second "drifted" for it.
  for (const v1::DriftEvent& e : events_) {
    Key key = KeyOf(e.diff().resource());
    Tracked& t = tracked_[key];
    bool drifted = e.state() == v1::DriftEvent::STATE_DRIFTED ||
                   e.state() == v1::DriftEvent::STATE_HEAL_FAILED;
    t.drifted = drifted;
    t.first_seen_ms = e.first_seen_ms();
    t.last_diff = drifted ? e.diff().SerializeAsString() : "";
    if (drifted) {
      current_[key] = e;
    } else {
      current_.erase(key);
    }
  }
  std::string watched = StrCat(options_.state_dir, "/watched.pb");
  absl::StatusOr<FileInfo> info = host_.Stat(watched);
  if (!info.ok()) return info.status();
  if (info->exists()) {
    absl::StatusOr<std::string> bytes = host_.ReadFile(watched);
    if (!bytes.ok()) return bytes.status();
    v1::CheckRequest kept;
    if (kept.ParseFromString(*bytes)) {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = std::move(kept);
    }
  }
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || wake_fd_ < 0) {
    return absl::InternalError("cannot create an inotify instance");
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void DriftWatcher::Watch(const v1::Catalog& catalog,
                         const std::string& fingerprint_key,
                         const std::vector<v1::ResourceRef>& not_converged) {
  std::set<Key> left_out;
  for (const v1::ResourceRef& r : not_converged) left_out.insert(KeyOf(r));
  v1::Catalog watched = catalog;
  watched.clear_resources();
  for (const v1::Resource& r : catalog.resources()) {
    if (!left_out.count(KeyOf(r))) *watched.add_resources() = r;
  }
  v1::CheckRequest kept;
  *kept.mutable_catalog() = std::move(watched);
  kept.set_fingerprint_key(fingerprint_key);
  // 0600 under the state directory: it holds what the host holds (file
  // contents, secrets among them), so that a restarted agent watches on.
  absl::Status saved =
      host_.WriteFile(StrCat(options_.state_dir, "/watched.pb"),
                      kept.SerializeAsString(), 0600, 0, 0);
  if (!saved.ok()) {
    std::fprintf(stderr, "cairn-agent: drift: cannot keep the catalog: %s\n",
                 std::string(saved.message()).c_str());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // What drifted and the apply just converged matches again: say so now,
    // so that a `cairn drift` right after the apply is clean.
    std::set<Key> in_catalog;
    for (const v1::Resource& r : kept.catalog().resources()) {
      in_catalog.insert(KeyOf(r));
    }
    std::vector<v1::DriftEvent> repaired;
    for (const auto& [key, e] : current_) {
      if (in_catalog.count(key)) repaired.push_back(e);
    }
    for (v1::DriftEvent& e : repaired) {
      Key key = KeyOf(e.diff().resource());
      v1::DriftEvent resolved;
      resolved.set_state(v1::DriftEvent::STATE_RESOLVED);
      resolved.set_first_seen_ms(e.first_seen_ms());
      *resolved.mutable_diff()->mutable_resource() = e.diff().resource();
      resolved.mutable_diff()->set_action(v1::ResourceDiff::ACTION_NONE);
      resolved.set_error("repaired by an apply");
      EmitLocked(std::move(resolved));
      resolved_by_apply_.insert(key);
    }
    host_name_ = kept.catalog().host().name();
    pending_ = std::move(kept);
    paused_ = std::max(0, paused_ - 1);
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void DriftWatcher::Pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++paused_;
}

void DriftWatcher::Resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = std::max(0, paused_ - 1);
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

std::chrono::milliseconds DriftWatcher::Period() const {
  if (options_.period_override.count() > 0) return options_.period_override;
  uint32_t seconds = catalog_.host().drift_check_seconds();
  std::chrono::milliseconds base(1000LL * (seconds > 0 ? seconds : 300));
  static thread_local std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int64_t> jitter(-base.count() / 10,
                                                base.count() / 10);
  return base + std::chrono::milliseconds(jitter(random));
}

void DriftWatcher::SetUpWatches() {
  // A fresh inotify instance drops every old watch at once.
  close(inotify_fd_);
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  watch_dirs_.clear();
  by_path_.clear();
  watched_by_path_.clear();
  units_.clear();
  unit_states_.clear();
  dirty_.clear();
  held_.clear();
  std::map<std::string, int> dir_wd;
  for (int i = 0; i < catalog_.resources_size(); ++i) {
    const v1::Resource& r = catalog_.resources(i);
    std::string unit = UnitOf(r);
    if (!unit.empty()) units_.push_back({unit, i});
    bool reached = false;
    for (const std::string& path : WatchedPaths(r)) {
      auto [dir, name] = Split(path);
      if (!dir_wd.count(dir)) {
        int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kDirMask);
        dir_wd[dir] = wd;
        if (wd >= 0) watch_dirs_[wd] = dir;
      }
      if (dir_wd[dir] < 0) continue;  // Missing: the full check sees it.
      by_path_[{dir, name}].push_back(i);
      reached = true;
    }
    if (reached) watched_by_path_.push_back(i);
  }
}

void DriftWatcher::ReadInotify() {
  alignas(inotify_event) char buffer[64 << 10];
  while (true) {
    ssize_t n = read(inotify_fd_, buffer, sizeof buffer);
    if (n <= 0) return;
    auto now = Clock::now();
    for (char* p = buffer; p < buffer + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + e->len;
      // Only events that concern a managed path move the debounce: a
      // neighbour written all the time must not delay a managed file.
      auto touch = [&] {
        if (dirty_.empty()) dirty_since_ = now;
        last_event_ = now;
      };
      if (e->mask & IN_Q_OVERFLOW) {
        touch();
        // Too many changes to tell which: check everything watched.
        dirty_.insert(watched_by_path_.begin(), watched_by_path_.end());
        continue;
      }
      auto dir = watch_dirs_.find(e->wd);
      if (dir == watch_dirs_.end()) continue;
      if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The directory itself went: everything in it is to check, and
        // the watches are made again after the next full check.
        touch();
        for (const auto& [key, indexes] : by_path_) {
          if (key.first == dir->second) {
            dirty_.insert(indexes.begin(), indexes.end());
          }
        }
        rewatch_after_check_ = true;
        continue;
      }
      if (e->len == 0) continue;
      auto hit = by_path_.find({dir->second, std::string(e->name)});
      if (hit != by_path_.end()) {
        touch();
        dirty_.insert(hit->second.begin(), hit->second.end());
      }
    }
  }
}

void DriftWatcher::PollServices() {
  if (units_.empty()) return;
  std::vector<std::string> argv = {"systemctl",
                                   "show",
                                   "--property=Id",
                                   "--property=ActiveState",
                                   "--property=SubState",
                                   "--property=UnitFileState",
                                   "--"};
  for (const auto& [unit, index] : units_) argv.push_back(unit);
  absl::StatusOr<CommandResult> shown = host_.Run(argv, "", absl::Seconds(10));
  if (!shown.ok() || shown->exit_code != 0) return;
  if (unit_states_.empty()) {
    unit_states_ = shown->out;  // The first poll only learns.
    return;
  }
  if (shown->out == unit_states_) return;
  // One block per unit, in the order asked.
  std::vector<std::string> before = Blocks(unit_states_);
  std::vector<std::string> after = Blocks(shown->out);
  std::set<int> changed;
  for (size_t k = 0; k < units_.size(); ++k) {
    if (k >= before.size() || k >= after.size() || before[k] != after[k]) {
      changed.insert(units_[k].second);
    }
  }
  unit_states_ = shown->out;
  CheckResources(changed, v1::DriftEvent::SOURCE_SERVICE_POLL);
}

void DriftWatcher::CheckResources(const std::set<int>& indexes,
                                  v1::DriftEvent::Source how) {
  if (indexes.empty()) return;
  v1::Catalog some;
  *some.mutable_host() = catalog_.host();
  for (int i : indexes) *some.add_resources() = catalog_.resources(i);
  v1::CheckResponse checked = engine_.Check(some, fingerprint_key_);
  // A resource whose state cannot be read (a 1 GiB file where a line is
  // kept, a file that became a directory) does not match either: drift,
  // with why.
  for (const v1::ApplyEvent& error : checked.errors()) {
    v1::ResourceDiff* diff = checked.add_diffs();
    *diff->mutable_resource() = error.resource();
    diff->set_action(v1::ResourceDiff::ACTION_UPDATE);
    v1::FieldChange* change = diff->add_changes();
    change->set_field("state");
    change->set_current(StrCat("cannot be checked: ", error.error()));
    change->set_desired("as applied");
  }
  std::map<Key, int> index_of;
  for (int i : indexes) index_of[KeyOf(catalog_.resources(i))] = i;
  const std::string& host_mode = catalog_.host().on_drift();
  for (v1::ResourceDiff& diff : *checked.mutable_diffs()) {
    Key key = KeyOf(diff.resource());
    auto where = index_of.find(key);
    if (where == index_of.end()) continue;
    const v1::Resource& r = catalog_.resources(where->second);
    Tracked& t = tracked_[key];
    if (diff.text_diff().size() > kMaxTextDiff) {
      diff.set_text_diff(StrCat(diff.text_diff().substr(0, kMaxTextDiff),
                                "\n... (diff cut at 64 KiB)\n"));
    }
    v1::DriftEvent event;
    event.set_noticed_by(how);
    // The event rate limit: past it, the state is left as it was and the
    // resource checked again when the minute allows.
    auto allowed = [&] {
      auto now = Clock::now();
      while (!t.emitted.empty() &&
             now - t.emitted.front() > std::chrono::minutes(1)) {
        t.emitted.pop_front();
      }
      if (static_cast<int>(t.emitted.size()) >= options_.events_per_minute) {
        if (held_.empty()) {
          held_until_ = t.emitted.front() + std::chrono::minutes(1);
        }
        held_.insert(where->second);
        return false;
      }
      t.emitted.push_back(now);
      return true;
    };
    if (diff.action() == v1::ResourceDiff::ACTION_NONE) {
      if (!t.drifted || !allowed()) continue;
      t.drifted = false;
      t.last_diff.clear();
      event.set_state(v1::DriftEvent::STATE_RESOLVED);
      event.set_first_seen_ms(t.first_seen_ms);
      *event.mutable_diff() = diff;
      Emit(std::move(event));
      continue;
    }
    std::string serialized = diff.SerializeAsString();
    bool fresh = !t.drifted || serialized != t.last_diff;
    if (!t.drifted) t.first_seen_ms = NowMs();
    event.set_first_seen_ms(t.first_seen_ms);
    *event.mutable_diff() = diff;
    bool heal =
        r.on_drift() == "heal" || (r.on_drift().empty() && host_mode == "heal");
    if (!heal) {
      if (!fresh) continue;
      if (!allowed()) {
        if (!t.drifted) t.first_seen_ms = 0;
        continue;
      }
      t.drifted = true;
      t.last_diff = serialized;
      event.set_state(v1::DriftEvent::STATE_DRIFTED);
      Emit(std::move(event));
      continue;
    }
    auto now = Clock::now();
    while (!t.heals.empty() && now - t.heals.front() > options_.heal_window) {
      t.heals.pop_front();
    }
    if (static_cast<int>(t.heals.size()) >= options_.heals_per_window) {
      t.drifted = true;
      t.last_diff = serialized;
      if (!fresh) continue;
      event.set_state(v1::DriftEvent::STATE_HEAL_FAILED);
      event.set_error(
          StrCat("not healed: already healed ", t.heals.size(), " times in ",
                 options_.heal_window.count() / 60,
                 " min (something else keeps changing it); reporting only"));
      Emit(std::move(event));
      continue;
    }
    t.heals.push_back(now);
    absl::StatusOr<v1::ResourceDiff> healed =
        engine_.Heal(catalog_, where->second, fingerprint_key_);
    if (healed.ok()) {
      t.drifted = false;
      t.last_diff.clear();
      event.set_state(v1::DriftEvent::STATE_HEALED);
    } else {
      t.drifted = true;
      t.last_diff = serialized;
      event.set_state(v1::DriftEvent::STATE_HEAL_FAILED);
      event.set_error(std::string(healed.status().message()));
    }
    Emit(std::move(event));
  }
}

void DriftWatcher::Emit(v1::DriftEvent event) {
  std::lock_guard<std::mutex> lock(mutex_);
  EmitLocked(std::move(event));
}

void DriftWatcher::EmitLocked(v1::DriftEvent event) {
  std::string path = StrCat(options_.state_dir, "/drift.log");
  event.set_seq(next_seq_++);
  event.set_host(host_name_);
  event.set_at_ms(NowMs());
  event.set_catalog_digest(catalog_digest_);
  absl::Status appended = host_.AppendFile(path, Framed(event), true);
  if (!appended.ok()) {
    std::fprintf(stderr, "cairn-agent: drift: cannot keep an event: %s\n",
                 std::string(appended.message()).c_str());
  }
  std::fprintf(stderr, "cairn-agent: drift: %s %s %s\n",
               v1::DriftEvent::State_Name(event.state()).c_str(),
               event.diff().resource().kind().c_str(),
               event.diff().resource().id().c_str());
  Key key = KeyOf(event.diff().resource());
  if (event.state() == v1::DriftEvent::STATE_DRIFTED ||
      event.state() == v1::DriftEvent::STATE_HEAL_FAILED) {
    current_[key] = event;
  } else {
    current_.erase(key);
  }
  events_.push_back(std::move(event));
  if (events_.size() > options_.max_events) {
    // Keep the newer half, written whole before it replaces the log.
    while (events_.size() > options_.max_events / 2) events_.pop_front();
    std::string bytes;
    for (const v1::DriftEvent& e : events_) bytes += Framed(e);
    absl::Status written = host_.WriteFile(path, bytes, 0600, 0, 0);
    if (!written.ok()) {
      std::fprintf(stderr, "cairn-agent: drift: cannot trim the queue: %s\n",
                   std::string(written.message()).c_str());
    }
  }
  changed_.notify_all();
}

void DriftWatcher::Run() {
  auto next_full = Clock::now();
  auto next_poll = Clock::now();
  bool watching = false;
  while (true) {
    bool setup = false;
    bool paused = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      paused = paused_ > 0;
      if (pending_.has_value()) {
        catalog_ = std::move(*pending_->mutable_catalog());
        fingerprint_key_ = pending_->fingerprint_key();
        pending_.reset();
        // The digest of what is watched (the applied catalog less what
        // did not converge).
        catalog_digest_ = Sha256Hex(catalog_.SerializeAsString());
        host_name_ = catalog_.host().name();
        watching_ = catalog_.resources_size() > 0;
        for (const Key& key : resolved_by_apply_) {
          tracked_[key].drifted = false;
          tracked_[key].last_diff.clear();
        }
        resolved_by_apply_.clear();
        setup = true;
      }
    }
    if (setup) {
      SetUpWatches();
      // Forget what the new catalog no longer has.
      std::set<Key> now_managed;
      for (const v1::Resource& r : catalog_.resources()) {
        now_managed.insert(KeyOf(r));
      }
      for (auto it = tracked_.begin(); it != tracked_.end();) {
        if (now_managed.count(it->first)) {
          ++it;
          continue;
        }
        if (it->second.drifted) {
          v1::DriftEvent gone;
          gone.set_state(v1::DriftEvent::STATE_RESOLVED);
          gone.set_first_seen_ms(it->second.first_seen_ms);
          gone.mutable_diff()->mutable_resource()->set_kind(it->first.first);
          gone.mutable_diff()->mutable_resource()->set_id(it->first.second);
          gone.mutable_diff()->set_action(v1::ResourceDiff::ACTION_NONE);
          gone.set_error("no longer in the applied catalog");
          Emit(std::move(gone));
        }
        it = tracked_.erase(it);
      }
      watching = catalog_.resources_size() > 0;
      next_full = Clock::now();
    }

    auto now = Clock::now();
    auto wake = now + std::chrono::seconds(60);
    if (watching) {
      wake = std::min(wake, next_full);
      if (!units_.empty()) wake = std::min(wake, next_poll);
      if (!dirty_.empty()) {
        wake = std::min(wake, std::min(last_event_ + options_.debounce,
                                       dirty_since_ + 5 * options_.debounce));
      }
      if (!held_.empty()) wake = std::min(wake, held_until_);
    }
    int timeout = static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now)
               .count()));
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    poll(fds, 2, timeout);
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      ssize_t ignored = read(wake_fd_, &count, sizeof count);
      (void)ignored;
    }
    if (fds[0].revents & POLLIN) ReadInotify();
    if (!watching || (paused && !setup)) {
      // Nothing applied yet, or an apply is changing the host: its changes
      // are not drift.
      dirty_.clear();
      if (paused) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (engine_.busy()) {
      // An apply is changing the host: its events are not drift. Look
      // again shortly (the apply's Watch follows it).
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    now = Clock::now();
    if (!dirty_.empty() && (now >= last_event_ + options_.debounce ||
                            now >= dirty_since_ + 5 * options_.debounce)) {
      std::set<int> due;
      due.swap(dirty_);
      CheckResources(due, v1::DriftEvent::SOURCE_WATCH);
    }
    if (!units_.empty() && now >= next_poll) {
      PollServices();
      next_poll = Clock::now() + options_.service_poll;
    }
    if (!held_.empty() && now >= held_until_) {
      std::set<int> due;
      due.swap(held_);
      CheckResources(due, v1::DriftEvent::SOURCE_WATCH);
    }
    if (now >= next_full) {
      if (rewatch_after_check_) {
        rewatch_after_check_ = false;
        SetUpWatches();
      }
      std::set<int> all;
      for (int i = 0; i < catalog_.resources_size(); ++i) all.insert(i);
      CheckResources(all, v1::DriftEvent::SOURCE_PERIODIC);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last_full_check_ms_ = NowMs();
      }
      next_full = Clock::now() + Period();
    }
  }
}

v1::GetDriftResponse DriftWatcher::Get(uint64_t after_seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  v1::GetDriftResponse out;
  out.set_watching(watching_);
  out.set_catalog_digest(catalog_digest_);
  out.set_last_full_check_ms(last_full_check_ms_);
  out.set_last_seq(next_seq_ - 1);
  if (!events_.empty()) out.set_oldest_seq(events_.front().seq());
  for (const v1::DriftEvent& e : events_) {
    if (e.seq() > after_seq) *out.add_events() = e;
  }
  for (const auto& [key, e] : current_) *out.add_current() = e;
  return out;
}

std::vector<v1::DriftEvent> DriftWatcher::Wait(uint64_t after_seq,
                                               std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, wait, [&] {
    return stopping_ || (!events_.empty() && events_.back().seq() > after_seq);
  });
  std::vector<v1::DriftEvent> out;
  for (const v1::DriftEvent& e : events_) {
    if (e.seq() > after_seq) out.push_back(e);
  }
  return out;
}

}  // namespace cairn::agent
