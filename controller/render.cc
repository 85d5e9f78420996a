// Plans, apply events and drift as text for people.

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "controller/controller.h"

namespace cairn::controller {
namespace {

bool IsFingerprint(std::string_view value) {
  return StartsWith(value, "(secret");
}

struct Sign {
  const char* mark;
  const char* verb;
  const char* color;
};

Sign SignOf(v1::ResourceDiff::Action action) {
  switch (action) {
    case v1::ResourceDiff::ACTION_CREATE:
      return {"+", "create", "\033[32m"};
    case v1::ResourceDiff::ACTION_UPDATE:
      return {"~", "change", "\033[33m"};
    case v1::ResourceDiff::ACTION_DELETE:
      return {"-", "remove", "\033[31m"};
    case v1::ResourceDiff::ACTION_REPLACE:
      return {"-/+", "replace", "\033[31m"};
    case v1::ResourceDiff::ACTION_RELEASE:
      return {"=", "release", "\033[36m"};
    default:
      return {" ", "none", ""};
  }
}

// Every line of `text` with `prefix` before it.
std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out;
  for (std::string_view line : StrSplit(text, '\n')) {
    if (!line.empty()) StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

// The lines under a change: each attribute, then the content's diff.
void AppendDetails(const v1::ResourceDiff& diff, std::string& out) {
  for (const v1::FieldChange& c : diff.changes()) {
    if (c.field() == "content" && !diff.text_diff().empty()) continue;
    if (IsFingerprint(c.current()) || IsFingerprint(c.desired())) {
      const char* what = c.current().empty()          ? "(secret)"
                         : c.current() == c.desired() ? "(secret unchanged)"
                                                      : "(secret changed)";
      StrAppend(&out, "      ", c.field(), ": ", what, "\n");
      continue;
    }
    StrAppend(&out, "      ", c.field(), ": ",
              c.current().empty() ? "(none)" : c.current(), " -> ",
              c.desired().empty() ? "(none)" : c.desired(), "\n");
  }
  StrAppend(&out, Indent(diff.text_diff(), "      "));
}

void AppendChange(const v1::ResourceDiff& diff, bool color, std::string& out) {
  Sign sign = SignOf(diff.action());
  StrAppend(&out, "  ", color ? sign.color : "", sign.mark, " ",
            diff.resource().kind(), " ", diff.resource().id(),
            color ? "\033[0m" : "");
  if (diff.action() == v1::ResourceDiff::ACTION_RELEASE) {
    StrAppend(&out, " (keep = true: left on the host, no longer managed)");
  }
  StrAppend(&out, "\n");
  AppendDetails(diff, out);
}

std::string Header(std::string_view what, std::string_view name,
                   std::string_view where, v1::PlanStatus status,
                   std::string_view error, int changes, int unchanged) {
  std::string out = StrCat(what, " ", name, " (", where, ")");
  switch (status) {
    case v1::PLAN_STATUS_UNREACHABLE:
      return StrCat(out, ": UNREACHABLE: ", error, "\n");
    case v1::PLAN_STATUS_ERROR:
      return StrCat(out, ": ERROR: ", error, "\n");
    default:
      break;
  }
  if (changes == 0) {
    return StrCat(out, ": no changes (", unchanged, " as declared)\n");
  }
  return StrCat(out, ": ", changes, changes == 1 ? " change" : " changes", ", ",
                unchanged, " as declared\n");
}

const char* NoticedBy(v1::DriftEvent::Source source) {
  switch (source) {
    case v1::DriftEvent::SOURCE_WATCH:
      return "watch";
    case v1::DriftEvent::SOURCE_SERVICE_POLL:
      return "service poll";
    case v1::DriftEvent::SOURCE_PERIODIC:
      return "periodic check";
    default:
      return "agent";
  }
}

// The mark, the name (DriftStateName) and the colour of a drift event's
// state.
Sign SignOf(v1::DriftEvent::State state) {
  switch (state) {
    case v1::DriftEvent::STATE_DRIFTED:
      return {"!", "drifted", "\033[33m"};
    case v1::DriftEvent::STATE_RESOLVED:
      return {"=", "resolved", "\033[32m"};
    case v1::DriftEvent::STATE_HEALED:
      return {"*", "healed", "\033[32m"};
    case v1::DriftEvent::STATE_HEAL_FAILED:
      return {"x", "heal_failed", "\033[31m"};
    default:
      return {"?", "unknown", ""};
  }
}

// `! file /etc/motd: drifted 12 s ago (noticed by watch)[: error]`, dated
// `at_ms`, and the details under it when `details`.
std::string DriftLine(const v1::DriftEvent& e, int64_t at_ms, int64_t now_ms,
                      bool details, bool color) {
  Sign sign = SignOf(e.state());
  std::string verb = sign.verb;
  std::replace(verb.begin(), verb.end(), '_', ' ');  // "heal failed"
  std::string out = StrCat(
      color ? sign.color : "", sign.mark, " ", e.diff().resource().kind(), " ",
      e.diff().resource().id(), color ? "\033[0m" : "", ": ", verb, " ",
      Ago(now_ms - at_ms), " (noticed by ", NoticedBy(e.noticed_by()), ")",
      e.error().empty() ? "" : StrCat(": ", e.error()), "\n");
  if (details) AppendDetails(e.diff(), out);
  return out;
}

struct Counts {
  int create = 0, change = 0, remove = 0, replace = 0, release = 0;
  void Add(const v1::ResourceDiff& diff) {
    switch (diff.action()) {
      case v1::ResourceDiff::ACTION_CREATE:
        ++create;
        break;
      case v1::ResourceDiff::ACTION_UPDATE:
        ++change;
        break;
      case v1::ResourceDiff::ACTION_DELETE:
        ++remove;
        break;
      case v1::ResourceDiff::ACTION_REPLACE:
        ++replace;
        break;
      case v1::ResourceDiff::ACTION_RELEASE:
        ++release;
        break;
      default:
        break;
    }
  }
};

}  // namespace

std::string HostPlanText(const v1::HostPlan& plan, bool color) {
  std::string out = Header("host", plan.host(), plan.agent(), plan.status(),
                           plan.error(), plan.changes_size(), plan.unchanged());
  for (const v1::ResourceDiff& diff : plan.changes()) {
    AppendChange(diff, color, out);
  }
  for (const v1::ApplyEvent& e : plan.unreadable()) {
    StrAppend(&out, "  ? ", e.resource().kind(), " ", e.resource().id(),
              ": cannot tell: ", e.error(), "\n");
  }
  return out;
}

std::string ZonePlanText(const v1::ZonePlan& plan, bool color) {
  std::string out = Header("zone", plan.zone(), plan.server(), plan.status(),
                           plan.error(), plan.changes_size(), plan.unchanged());
  for (const v1::ResourceDiff& diff : plan.changes()) {
    AppendChange(diff, color, out);
  }
  return out;
}

int ChangeCount(const v1::Plan& plan) {
  int n = 0;
  for (const v1::HostPlan& h : plan.hosts()) n += h.changes_size();
  for (const v1::ZonePlan& z : plan.zones()) n += z.changes_size();
  return n;
}

std::string PlanSummary(const v1::Plan& plan) {
  Counts counts;
  int hosts_changing = 0, unreachable = 0, errors = 0, zones_changing = 0;
  for (const v1::HostPlan& h : plan.hosts()) {
    for (const v1::ResourceDiff& d : h.changes()) counts.Add(d);
    hosts_changing += h.changes_size() > 0;
    unreachable += h.status() == v1::PLAN_STATUS_UNREACHABLE;
    errors += h.status() == v1::PLAN_STATUS_ERROR;
  }
  for (const v1::ZonePlan& z : plan.zones()) {
    for (const v1::ResourceDiff& d : z.changes()) counts.Add(d);
    zones_changing += z.changes_size() > 0;
    unreachable += z.status() == v1::PLAN_STATUS_UNREACHABLE;
    errors += z.status() == v1::PLAN_STATUS_ERROR;
  }
  std::string out =
      StrCat("Plan: ", counts.create, " to create, ", counts.change,
             " to change, ", counts.remove, " to remove, ", counts.replace,
             " to replace, ", counts.release, " to release; ", hosts_changing,
             " of ", plan.hosts_size(), " hosts");
  if (plan.zones_size() > 0) {
    StrAppend(&out, " and ", zones_changing, " of ", plan.zones_size(),
              " zones");
  }
  StrAppend(&out, " change");
  if (unreachable > 0) StrAppend(&out, "; ", unreachable, " UNREACHABLE");
  if (errors > 0) StrAppend(&out, "; ", errors, " with ERRORS");
  return StrCat(out, ".\n");
}

std::string EventText(const std::string& host, const v1::ApplyEvent& e,
                      bool verbose) {
  std::string what = StrCat(e.resource().kind(), " ", e.resource().id());
  char millis[32];
  std::snprintf(millis, sizeof millis, "%.1f ms", e.duration_micros() / 1e3);
  std::string out;
  switch (e.outcome()) {
    case v1::ApplyEvent::OUTCOME_UNCHANGED:
      if (verbose) out = StrCat(host, ":   ", what, ": unchanged\n");
      return out;
    case v1::ApplyEvent::OUTCOME_CHANGED: {
      Sign sign = SignOf(e.diff().action());
      out = StrCat(host, ": ", sign.mark, " ", what, ": ",
                   e.diff().action() == v1::ResourceDiff::ACTION_DELETE
                       ? "removed"
                       : StrCat(sign.verb, "d"),
                   " (", millis, ")\n");
      if (!verbose) return out;
      std::string details;
      AppendDetails(e.diff(), details);
      return StrCat(out, Indent(details, StrCat(host, ": ")));
    }
    case v1::ApplyEvent::OUTCOME_NOTIFIED:
      return StrCat(host, ": ! ", what, ": ", e.action(), " (", millis, ")\n");
    case v1::ApplyEvent::OUTCOME_SKIPPED:
      return StrCat(host, ":   ", what, ": skipped: ", e.error(), "\n");
    default:
      return StrCat(host, ": x ", what, ": FAILED: ", e.error(), "\n");
  }
}

std::string DriftStateName(v1::DriftEvent::State state) {
  return SignOf(state).verb;
}

std::string Ago(int64_t ms) {
  if (ms < 1000) return "just now";
  int64_t seconds = ms / 1000;
  if (seconds < 120) return StrCat(seconds, " s ago");
  if (seconds < 120 * 60) return StrCat(seconds / 60, " min ago");
  if (seconds < 48 * 3600) return StrCat(seconds / 3600, " h ago");
  return StrCat(seconds / 86400, " d ago");
}

std::string HostDriftText(const v1::HostDrift& drift, int64_t now_ms,
                          bool color) {
  std::string out = StrCat("host ", drift.host(), " (", drift.agent(), "): ");
  switch (drift.status()) {
    case v1::PLAN_STATUS_UNREACHABLE:
      return StrCat(out, "UNREACHABLE: ", drift.error(), "\n");
    case v1::PLAN_STATUS_ERROR:
      return StrCat(out, "ERROR: ", drift.error(), "\n");
    default:
      break;
  }
  int n = drift.current_size();
  if (!drift.watching()) {
    StrAppend(&out, "not watching (nothing applied yet)");
  } else if (n == 0) {
    StrAppend(&out, "no drift");
  } else {
    StrAppend(&out, n, n == 1 ? " resource" : " resources", " drifted");
  }
  if (drift.watching() && drift.last_full_check_ms() > 0) {
    StrAppend(&out, " (last full check ",
              Ago(now_ms - drift.last_full_check_ms()), ")");
  }
  StrAppend(&out, "\n");
  for (const v1::DriftEvent& e : drift.current()) {
    StrAppend(&out, "  ", DriftLine(e, e.first_seen_ms(), now_ms, true, color));
  }
  if (drift.queue_restarted()) {
    StrAppend(&out,
              "  (its agent's event queue started over: the events read "
              "before are forgotten)\n");
  }
  if (drift.events_lost() > 0) {
    StrAppend(&out, "  (", drift.events_lost(),
              " events were dropped from the agent's queue before they were "
              "read)\n");
  }
  if (!drift.events().empty()) {
    StrAppend(&out, "  events since the last look:\n");
    for (const v1::DriftEvent& e : drift.events()) {
      StrAppend(&out, "    ", DriftLine(e, e.at_ms(), now_ms, false, color));
    }
  }
  return out;
}

std::string DriftEventText(const std::string& host, const v1::DriftEvent& event,
                           int64_t now_ms, bool color) {
  bool details = event.state() == v1::DriftEvent::STATE_DRIFTED ||
                 event.state() == v1::DriftEvent::STATE_HEAL_FAILED;
  return Indent(DriftLine(event, event.at_ms(), now_ms, details, color),
                StrCat(host, ": "));
}

std::string DriftSummary(const v1::DriftReport& report) {
  int drifted = 0, hosts_drifted = 0, not_watching = 0, unreachable = 0,
      errors = 0;
  for (const v1::HostDrift& h : report.hosts()) {
    drifted += h.current_size();
    hosts_drifted += h.current_size() > 0;
    not_watching += h.status() == v1::PLAN_STATUS_OK && !h.watching();
    unreachable += h.status() == v1::PLAN_STATUS_UNREACHABLE;
    errors += h.status() == v1::PLAN_STATUS_ERROR;
  }
  std::string out =
      StrCat("Drift: ", drifted, drifted == 1 ? " resource" : " resources",
             " drifted on ", hosts_drifted, " of ", report.hosts_size(),
             report.hosts_size() == 1 ? " host" : " hosts");
  if (not_watching > 0) StrAppend(&out, "; ", not_watching, " not watching");
  if (unreachable > 0) StrAppend(&out, "; ", unreachable, " UNREACHABLE");
  if (errors > 0) StrAppend(&out, "; ", errors, " with ERRORS");
  return StrCat(out, ".\n");
}

std::string KnownDriftNote(int drifted, int64_t seconds_ago) {
  return StrCat("  (", drifted, drifted == 1 ? " resource" : " resources",
                " drifted since the last apply, last seen ",
                Ago(seconds_ago * 1000), ": cairn drift)\n");
}

}  // namespace cairn::controller
