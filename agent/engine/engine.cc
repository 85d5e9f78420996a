#include "agent/engine/engine.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <queue>
#include <set>

#include "agent/engine/journal.h"
#include "agent/providers/provider.h"
#include "base/strings.h"

namespace cairn::agent {
namespace {

using Key = std::pair<std::string, std::string>;

Key KeyOf(const v1::ResourceRef& ref) { return {ref.kind(), ref.id()}; }

v1::ResourceRef RefOf(const v1::Resource& r) {
  v1::ResourceRef ref;
  ref.set_kind(r.kind());
  ref.set_id(r.id());
  return ref;
}

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

// One line per event on stderr (the journal under systemd). Diffs are not
// logged: they may hold fingerprints but nothing else is needed here.
void Log(const v1::ApplyEvent& e) {
  const char* outcome = "?";
  switch (e.outcome()) {
    case v1::ApplyEvent::OUTCOME_UNCHANGED:
      outcome = "unchanged";
      break;
    case v1::ApplyEvent::OUTCOME_CHANGED:
      outcome = "changed";
      break;
    case v1::ApplyEvent::OUTCOME_FAILED:
      outcome = "failed";
      break;
    case v1::ApplyEvent::OUTCOME_SKIPPED:
      outcome = "skipped";
      break;
    case v1::ApplyEvent::OUTCOME_NOTIFIED:
      outcome = "notified";
      break;
    default:
      break;
  }
  std::string line =
      StrCat("cairn-agent: ", e.resource().kind(), " ", e.resource().id(), ": ",
             outcome, e.action().empty() ? "" : " ", e.action(), " (",
             e.duration_micros(), " us)", e.error().empty() ? "" : ": ",
             e.error(), "\n");
  std::fputs(line.c_str(), stderr);
}

}  // namespace

absl::StatusOr<std::vector<int>> ApplyOrder(const v1::Catalog& catalog) {
  int n = catalog.resources_size();
  std::map<Key, int> index;
  for (int i = 0; i < n; ++i) index[KeyOf(RefOf(catalog.resources(i)))] = i;
  std::vector<std::vector<int>> after(n);
  std::vector<int> waiting(n, 0);
  auto edge = [&](int first, int then) {
    after[first].push_back(then);
    ++waiting[then];
  };
  for (int i = 0; i < n; ++i) {
    const v1::Resource& r = catalog.resources(i);
    for (const v1::ResourceRef& dep : r.depends_on()) {
      if (auto it = index.find(KeyOf(dep)); it != index.end()) {
        edge(it->second, i);
      }
    }
    for (const v1::Notify& nt : r.notify()) {
      if (auto it = index.find(KeyOf(nt.target())); it != index.end()) {
        edge(i, it->second);
      }
    }
  }
  // Kahn's algorithm, smallest index first so ties keep catalog order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int j : after[i]) {
      if (--waiting[j] == 0) ready.push(j);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (waiting[i] > 0) {
        return absl::InvalidArgumentError(
            StrCat("dependency cycle through ", catalog.resources(i).kind(),
                   " ", catalog.resources(i).id()));
      }
    }
  }
  return order;
}

Engine::Engine(Host& host, EngineOptions options)
    : host_(host), options_(std::move(options)) {
  watchdog_ = std::thread([this] { Watch(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(status_mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  watchdog_.join();
}

void Engine::Watch() {
  std::unique_lock<std::mutex> lock(status_mutex_);
  while (!stopping_) {
    if (awaiting_.empty()) {
      changed_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() < deadline_) {
      changed_.wait_until(lock, deadline_);
      continue;
    }
    lock.unlock();
    RollBack(StrCat("not confirmed within ", timeout_millis_ / 1000.0, " s"));
    lock.lock();
  }
}

void Engine::RollBack(const std::string& why) {
  std::lock_guard<std::mutex> apply(apply_mutex_);
  std::vector<std::string> kinds;
  {
    std::lock_guard<std::mutex> lock(status_mutex_);
    kinds.swap(awaiting_);  // Empty if Confirm came first.
    status_.set_awaiting_confirm(false);
    status_.set_confirm_deadline(0);
  }
  ProviderContext context = Context(options_.fingerprint_key);
  std::string outcome;
  for (const std::string& kind : kinds) {
    absl::Status status = FindProvider(kind)->Rollback(context);
    std::string line =
        status.ok() ? StrCat(kind, ": restored the previous state: ", why)
                    : StrCat(kind, ": ", why,
                             ", and restoring the previous "
                             "state failed: ",
                             std::string(status.message()));
    std::fputs(StrCat("cairn-agent: ", line, "\n").c_str(), stderr);
    StrAppend(&outcome, outcome.empty() ? "" : "; ", line);
  }
  if (outcome.empty()) return;
  std::lock_guard<std::mutex> lock(status_mutex_);
  status_.set_rolled_back(outcome);
}

absl::StatusOr<v1::ResourceDiff> Engine::Heal(
    const v1::Catalog& catalog, int index, const std::string& fingerprint_key) {
  std::unique_lock<std::mutex> busy(apply_mutex_, std::try_to_lock);
  if (!busy.owns_lock()) {
    return absl::UnavailableError("an apply is running");
  }
  {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (!awaiting_.empty()) {
      return absl::UnavailableError("a change awaits Confirm");
    }
  }
  applying_ = true;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{applying_};
  const v1::Resource& r = catalog.resources(index);
  const Provider* provider = FindProvider(r.kind());
  if (provider == nullptr) {
    return absl::UnimplementedError(
        StrCat("this agent has no provider for ", r.kind()));
  }
  ProviderContext context = Context(fingerprint_key);
  absl::StatusOr<v1::ResourceDiff> diff = provider->Check(r, context);
  if (!diff.ok()) return diff.status();
  *diff->mutable_resource() = RefOf(r);
  if (diff->action() == v1::ResourceDiff::ACTION_NONE) return diff;
  if (absl::Status applied = provider->Apply(r, *diff, context);
      !applied.ok()) {
    return applied;
  }
  context.ForgetAccounts();
  for (const v1::Notify& n : r.notify()) {
    for (const v1::Resource& target : catalog.resources()) {
      if (target.kind() != n.target().kind() ||
          target.id() != n.target().id()) {
        continue;
      }
      absl::Status notified =
          FindProvider(target.kind())->Notify(target, n.action(), context);
      if (!notified.ok()) {
        return absl::InternalError(
            StrCat("repaired, but ", n.action(), " of ", target.kind(), " ",
                   target.id(), " failed: ", std::string(notified.message())));
      }
    }
  }
  return diff;
}

bool Engine::RequestStop() {
  if (!applying_) return false;
  stop_ = true;
  return true;
}

bool Engine::Confirm() {
  // After any Apply in progress, which must not see half a confirmation.
  std::lock_guard<std::mutex> apply(apply_mutex_);
  std::vector<std::string> kinds;
  {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (awaiting_.empty()) return false;
    kinds.swap(awaiting_);
    status_.set_awaiting_confirm(false);
    status_.set_confirm_deadline(0);
  }
  changed_.notify_all();
  ProviderContext context = Context(options_.fingerprint_key);
  for (const std::string& kind : kinds) {
    absl::Status status = FindProvider(kind)->DiscardRollback(context);
    std::fputs(StrCat("cairn-agent: ", kind, ": confirmed",
                      status.ok() ? "" : "; forgetting the kept state failed: ",
                      std::string(status.message()), "\n")
                   .c_str(),
               stderr);
  }
  return true;
}

ProviderContext Engine::Context(const std::string& fingerprint_key) {
  ProviderContext context;
  context.host = &host_;
  context.fingerprint_key = fingerprint_key;
  context.backup_dir = StrCat(options_.state_dir, "/backup");
  return context;
}

absl::Status Engine::Recover() {
  if (absl::Status made = MakeDirectories(host_, options_.state_dir, 0700);
      !made.ok()) {
    return made;
  }
  // A change the controller never confirmed before the agent stopped: the
  // controller may be cut off, so the previous state comes back now.
  ProviderContext context = Context(options_.fingerprint_key);
  std::string restored;
  for (const Provider* provider : AllProviders()) {
    if (!provider->NeedsConfirm()) continue;
    absl::StatusOr<bool> pending = provider->RollbackPending(context);
    if (!pending.ok()) return pending.status();
    if (!*pending) continue;
    absl::Status status = provider->Rollback(context);
    if (!status.ok()) return status;
    std::string line = StrCat(provider->kind(),
                              ": restored the previous state: the agent "
                              "stopped before the change was confirmed");
    std::fputs(StrCat("cairn-agent: ", line, "\n").c_str(), stderr);
    StrAppend(&restored, restored.empty() ? "" : "; ", line);
  }
  Journal journal(host_, StrCat(options_.state_dir, "/journal"));
  absl::StatusOr<Journal::Recovered> recovered = journal.Read();
  if (!recovered.ok()) return recovered.status();
  std::lock_guard<std::mutex> lock(status_mutex_);
  status_.set_rolled_back(restored);
  for (const v1::ResourceRef& ref : recovered->interrupted) {
    *status_.add_interrupted() = ref;
    std::fputs(StrCat("cairn-agent: interrupted by a crash: ", ref.kind(), " ",
                      ref.id(), "\n")
                   .c_str(),
               stderr);
  }
  for (const v1::Notify& n : recovered->owed) {
    *status_.add_pending_notifications() = n;
  }
  return absl::OkStatus();
}

v1::CheckResponse Engine::Check(const v1::Catalog& catalog,
                                const std::string& fingerprint_key) {
  v1::CheckResponse out;
  ProviderContext context = Context(fingerprint_key);
  for (const v1::Resource& r : catalog.resources()) {
    const Provider* provider = FindProvider(r.kind());
    absl::StatusOr<v1::ResourceDiff> diff =
        provider == nullptr ? absl::UnimplementedError(StrCat(
                                  "this agent has no provider for ", r.kind()))
                            : provider->Check(r, context);
    if (!diff.ok()) {
      v1::ApplyEvent* e = out.add_errors();
      *e->mutable_resource() = RefOf(r);
      e->set_outcome(v1::ApplyEvent::OUTCOME_FAILED);
      e->set_error(std::string(diff.status().message()));
      continue;
    }
    *diff->mutable_resource() = RefOf(r);
    *out.add_diffs() = *std::move(diff);
  }
  return out;
}

absl::Status Engine::Apply(
    const v1::Catalog& catalog, const ApplyOptions& options,
    const std::function<void(const v1::ApplyEvent&)>& on_event) {
  std::unique_lock<std::mutex> busy(apply_mutex_, std::try_to_lock);
  if (!busy.owns_lock()) {
    return absl::FailedPreconditionError(
        "busy: another apply is running on this host");
  }
  {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (!awaiting_.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::seconds>(
          deadline_ - std::chrono::steady_clock::now());
      return absl::FailedPreconditionError(
          StrCat("busy: a ", StrJoin(awaiting_, " and "),
                 " change awaits Confirm; confirm it, or it is rolled back in ",
                 std::max<int64_t>(left.count(), 0), " s"));
    }
  }
  absl::StatusOr<std::vector<int>> order = ApplyOrder(catalog);
  if (!order.ok()) return order.status();
  stop_ = false;
  applying_ = true;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{applying_};

  Journal journal(host_, StrCat(options_.state_dir, "/journal"));
  absl::StatusOr<Journal::Recovered> recovered = journal.Read();
  if (!recovered.ok()) return recovered.status();
  ProviderContext context = Context(options.fingerprint_key);
  // Kinds whose previous state was kept for commit-confirm, and whether a
  // change of theirs then went through.
  std::map<std::string, bool> kept;

  auto emit = [&](v1::ApplyEvent e) {
    Log(e);
    on_event(e);
  };
  std::map<Key, int> index;
  for (int i = 0; i < catalog.resources_size(); ++i) {
    index[KeyOf(RefOf(catalog.resources(i)))] = i;
  }
  // Notifications owed, from an earlier run first, in the order owed.
  std::vector<v1::Notify> owed = recovered->owed;
  auto owe = [&](const v1::Notify& n) -> absl::Status {
    for (const v1::Notify& o : owed) {
      if (KeyOf(o.target()) == KeyOf(n.target()) && o.action() == n.action())
        return absl::OkStatus();
    }
    owed.push_back(n);
    return journal.Owe(n);
  };

  int n = catalog.resources_size();
  std::vector<bool> failed(n, false);
  std::vector<bool> handled(n, false);
  // What must be handled before each resource: what it depends on, and
  // what notifies it.
  std::vector<std::vector<int>> before(n);
  for (int i = 0; i < n; ++i) {
    for (const v1::ResourceRef& dep : catalog.resources(i).depends_on()) {
      if (auto it = index.find(KeyOf(dep)); it != index.end()) {
        before[i].push_back(it->second);
      }
    }
    for (const v1::Notify& nt : catalog.resources(i).notify()) {
      if (auto it = index.find(KeyOf(nt.target())); it != index.end()) {
        before[it->second].push_back(i);
      }
    }
  }
  bool all_ok = true;
  auto fail = [&](int i, v1::ApplyEvent& event, v1::ApplyEvent::Outcome outcome,
                  std::string error) {
    failed[i] = true;
    all_ok = false;
    event.set_outcome(outcome);
    event.set_error(std::move(error));
    emit(event);
  };
  // Records intent and keeps what commit-confirm needs before resource `i`
  // changes.
  auto prepare = [&](const v1::Resource& r,
                     const Provider& provider) -> absl::Status {
    // Owed before the change: a crash after it still restarts.
    for (const v1::Notify& nt : r.notify()) {
      if (absl::Status s = owe(nt); !s.ok()) return s;
    }
    if (provider.NeedsConfirmFor(r) && !kept.count(r.kind())) {
      if (absl::Status s = provider.SaveForRollback(context); !s.ok()) return s;
      kept[r.kind()] = false;
    }
    return journal.Begin(RefOf(r));
  };

  // Runs the notifications owed, once each, to targets that exist, were
  // handled and did not fail; with `handled_only`, only to targets handled
  // already. A notification thus runs as soon as its target's turn is
  // over — after everything that notifies it, before anything that
  // depends on it (a locale generated before a package that needs it) —
  // rather than at the end. Those left are retried at the next apply.
  std::vector<v1::Notify> still_owed;
  auto run_owed = [&](bool handled_only) {
    std::vector<v1::Notify> keep;
    for (const v1::Notify& n : owed) {
      auto it = index.find(KeyOf(n.target()));
      if (it == index.end()) {
        // The target left the catalog: nothing to notify any more.
        (void)journal.Paid(n);
        continue;
      }
      if (handled_only && !handled[it->second]) {
        keep.push_back(n);
        continue;
      }
      if (failed[it->second]) {
        if (handled_only) {
          keep.push_back(n);
        } else {
          still_owed.push_back(n);
        }
        continue;
      }
      auto start = std::chrono::steady_clock::now();
      v1::ApplyEvent event;
      *event.mutable_resource() = n.target();
      event.set_action(n.action());
      const v1::Resource& target = catalog.resources(it->second);
      absl::Status status =
          FindProvider(target.kind())->Notify(target, n.action(), context);
      context.ForgetAccounts();
      event.set_duration_micros(MicrosSince(start));
      if (status.ok()) {
        status = journal.Paid(n);
        event.set_outcome(v1::ApplyEvent::OUTCOME_NOTIFIED);
      } else {
        still_owed.push_back(n);
        all_ok = false;
        event.set_outcome(v1::ApplyEvent::OUTCOME_FAILED);
        event.set_error(std::string(status.message()));
      }
      emit(event);
    }
    owed = std::move(keep);
  };

  for (size_t pos = 0; pos < order->size(); ++pos) {
    run_owed(/*handled_only=*/true);
    int i = (*order)[pos];
    if (handled[i]) continue;  // Applied in an earlier batch.
    handled[i] = true;
    const v1::Resource& r = catalog.resources(i);
    v1::ApplyEvent event;
    *event.mutable_resource() = RefOf(r);
    if (stop_ || (options.stop_requested && options.stop_requested())) {
      fail(i, event, v1::ApplyEvent::OUTCOME_SKIPPED,
           "not attempted: the apply was stopped (the controller was "
           "interrupted or went away)");
      continue;
    }
    // Skipped when something it depends on failed.
    bool blocked = false;
    for (const v1::ResourceRef& dep : r.depends_on()) {
      auto it = index.find(KeyOf(dep));
      if (it != index.end() && failed[it->second]) blocked = true;
    }
    if (blocked) {
      fail(i, event, v1::ApplyEvent::OUTCOME_SKIPPED,
           "not attempted: something it depends on failed");
      continue;
    }
    const Provider* provider = FindProvider(r.kind());
    if (provider == nullptr) {
      fail(i, event, v1::ApplyEvent::OUTCOME_FAILED,
           StrCat("this agent has no provider for ", r.kind()));
      continue;
    }

    // The resources applied now: this one, and for a kind that batches,
    // every later one of its kind whose prerequisites are all handled (or
    // in the batch) and did not fail.
    std::vector<int> members = {i};
    if (provider->batches()) {
      std::set<int> in_batch = {i};
      for (size_t q = pos + 1; q < order->size(); ++q) {
        int j = (*order)[q];
        if (handled[j] || catalog.resources(j).kind() != r.kind()) continue;
        bool ready = true;
        for (int p : before[j]) {
          ready &= (handled[p] && !failed[p]) || in_batch.count(p) > 0;
        }
        if (!ready) continue;
        members.push_back(j);
        in_batch.insert(j);
        handled[j] = true;
      }
    }

    // Check each; those that differ are applied together.
    std::vector<int> changing;
    std::vector<const v1::Resource*> changing_resources;
    std::vector<v1::ResourceDiff> diffs;
    std::vector<v1::ApplyEvent> events;
    std::vector<int64_t> check_micros;
    for (int m : members) {
      const v1::Resource& mr = catalog.resources(m);
      auto check_start = std::chrono::steady_clock::now();
      v1::ApplyEvent e;
      *e.mutable_resource() = RefOf(mr);
      absl::StatusOr<v1::ResourceDiff> diff = provider->Check(mr, context);
      absl::Status status = diff.status();
      if (status.ok()) {
        *diff->mutable_resource() = RefOf(mr);
        *e.mutable_diff() = *diff;
        if (diff->action() == v1::ResourceDiff::ACTION_NONE) {
          e.set_outcome(v1::ApplyEvent::OUTCOME_UNCHANGED);
          e.set_duration_micros(MicrosSince(check_start));
          emit(e);
          continue;
        }
        status = prepare(mr, *provider);
      }
      if (!status.ok()) {
        e.set_duration_micros(MicrosSince(check_start));
        fail(m, e, v1::ApplyEvent::OUTCOME_FAILED,
             std::string(status.message()));
        continue;
      }
      check_micros.push_back(MicrosSince(check_start));
      changing.push_back(m);
      changing_resources.push_back(&mr);
      diffs.push_back(*diff);
      events.push_back(std::move(e));
    }
    if (changing.empty()) continue;
    auto apply_start = std::chrono::steady_clock::now();
    std::vector<absl::Status> statuses =
        changing.size() == 1 && !provider->batches()
            ? std::vector<absl::Status>{provider->Apply(*changing_resources[0],
                                                        diffs[0], context)}
            : provider->ApplyBatch(changing_resources, diffs, context);
    statuses.resize(changing.size(),
                    absl::InternalError("the provider reported no outcome"));
    // A batch's time is shared evenly among the resources it changed, so
    // that the durations of an apply still add up to its time.
    int64_t share =
        MicrosSince(apply_start) / static_cast<int64_t>(changing.size());
    // Whatever changed may have added users (a package's postinst).
    context.ForgetAccounts();
    for (size_t k = 0; k < changing.size(); ++k) {
      absl::Status done = journal.Done(RefOf(*changing_resources[k]));
      absl::Status outcome = statuses[k].ok() ? done : statuses[k];
      v1::ApplyEvent& e = events[k];
      e.set_duration_micros(check_micros[k] + share);
      if (!outcome.ok()) {
        fail(changing[k], e, v1::ApplyEvent::OUTCOME_FAILED,
             std::string(outcome.message()));
        continue;
      }
      if (kept.count(changing_resources[k]->kind())) {
        kept[changing_resources[k]->kind()] = true;
      }
      e.set_outcome(v1::ApplyEvent::OUTCOME_CHANGED);
      e.set_needs_confirm(provider->NeedsConfirmFor(*changing_resources[k]));
      emit(e);
    }
  }

  // Whatever is still owed: targets that failed, or were never reached.
  run_owed(/*handled_only=*/false);
  absl::Status reset = journal.Reset(still_owed);

  // A kind kept but not changed (its Apply failed and left the previous
  // state) has nothing to confirm.
  std::vector<std::string> awaiting;
  for (const auto& [kind, changed] : kept) {
    if (changed) {
      awaiting.push_back(kind);
    } else if (absl::Status s = FindProvider(kind)->DiscardRollback(context);
               !s.ok() && reset.ok()) {
      reset = s;
    }
  }

  std::lock_guard<std::mutex> lock(status_mutex_);
  status_.Clear();
  if (!awaiting.empty()) {
    awaiting_ = std::move(awaiting);
    timeout_millis_ = options.confirm_timeout.count();
    deadline_ = std::chrono::steady_clock::now() + options.confirm_timeout;
    status_.set_awaiting_confirm(true);
    status_.set_confirm_deadline(
        std::chrono::duration_cast<std::chrono::seconds>(
            (std::chrono::system_clock::now() + options.confirm_timeout)
                .time_since_epoch())
            .count());
    changed_.notify_all();
  }
  status_.set_catalog_digest(Sha256Hex(catalog.SerializeAsString()));
  status_.set_applied_at(static_cast<int64_t>(std::time(nullptr)));
  status_.set_success(all_ok);
  for (const v1::Notify& n : still_owed)
    *status_.add_pending_notifications() = n;
  return reset;
}

v1::StatusResponse Engine::Status() {
  std::lock_guard<std::mutex> lock(status_mutex_);
  return status_;
}

}  // namespace cairn::agent
