// Plans and apply events as text for people.

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
  for (std::string_view line : StrSplit(diff.text_diff(), '\n')) {
    if (!line.empty()) StrAppend(&out, "      ", line, "\n");
  }
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
      for (std::string_view line : StrSplit(details, '\n')) {
        if (!line.empty()) StrAppend(&out, host, ": ", line, "\n");
      }
      return out;
    }
    case v1::ApplyEvent::OUTCOME_NOTIFIED:
      return StrCat(host, ": ! ", what, ": ", e.action(), " (", millis, ")\n");
    case v1::ApplyEvent::OUTCOME_SKIPPED:
      return StrCat(host, ":   ", what, ": skipped: ", e.error(), "\n");
    default:
      return StrCat(host, ": x ", what, ": FAILED: ", e.error(), "\n");
  }
}

}  // namespace cairn::controller
