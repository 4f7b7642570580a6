import { describe, expect, it } from "vitest";
import { doneText } from "@/lib/plan-changes/done";
import { planManageRequest } from "@/lib/plan-changes/manage";
import type { LiveSubscription } from "@/lib/plan-changes/subscriber";

const end = new Date("2026-12-31T00:00:00Z");
const sub = (x: Partial<LiveSubscription>) =>
  ({ polarSubscriptionId: "sub_1", status: "active", cancelAtPeriodEnd: false, pauseAtPeriodEnd: false, currentPeriodEnd: end, ...x }) as LiveSubscription;

describe("planManageRequest: what Polar is asked, or the answer without asking", () => {
  it("cancel sends Polar's cancellation with the reason and comment; an already canceled one asks nothing", () => {
    expect(planManageRequest(sub({}), { action: "cancel", reason: "too_expensive", comment: "later" })).toEqual({
      update: { cancelAtPeriodEnd: true, customerCancellationReason: "too_expensive", customerCancellationComment: "later" },
      done: "canceled",
    });
    expect(planManageRequest(sub({ cancelAtPeriodEnd: true }), { action: "cancel" })).toEqual({ ok: true, done: "canceled" });
  });

  it("pause: an active subscription, with a resume date after the period end; otherwise a reason", () => {
    expect(planManageRequest(sub({}), { action: "pause" })).toEqual({ update: { pauseAtPeriodEnd: true, resumesAt: null }, done: "paused" });
    const later = new Date("2027-02-01T00:00:00Z");
    expect(planManageRequest(sub({}), { action: "pause", resumesAt: later })).toEqual({ update: { pauseAtPeriodEnd: true, resumesAt: later }, done: "paused" });
    expect(planManageRequest(sub({}), { action: "pause", resumesAt: new Date("2026-12-15T00:00:00Z") })).toEqual({
      ok: false,
      message: "The resume date must be after the pause starts, on Dec 31, 2026.",
    });
    expect(planManageRequest(sub({ status: "trialing" }), { action: "pause" })).toEqual({ ok: false, message: "Only an active subscription can be paused." });
    expect(planManageRequest(sub({ cancelAtPeriodEnd: true }), { action: "pause" })).toMatchObject({ ok: false });
    expect(planManageRequest(sub({ status: "paused" }), { action: "pause" })).toEqual({ ok: true, done: "paused" });
  });

  it("resume only a paused subscription; uncancel and unpause only what is scheduled", () => {
    expect(planManageRequest(sub({ status: "paused" }), { action: "resume" })).toEqual({ update: { resume: true }, done: "resumed" });
    expect(planManageRequest(sub({}), { action: "resume" })).toEqual({ ok: true, done: "resumed" });
    expect(planManageRequest(sub({ cancelAtPeriodEnd: true }), { action: "uncancel" })).toEqual({ update: { cancelAtPeriodEnd: false }, done: "uncanceled" });
    expect(planManageRequest(sub({}), { action: "uncancel" })).toEqual({ ok: true, done: "uncanceled" });
    expect(planManageRequest(sub({ pauseAtPeriodEnd: true }), { action: "unpause" })).toEqual({ update: { pauseAtPeriodEnd: false }, done: "unpaused" });
  });
});

describe("doneText", () => {
  it("words the known codes and nothing else (a link cannot put its own text on the page)", () => {
    expect(doneText("switched")).toMatch(/^Your plan is changed/);
    expect(doneText("<script>")).toBeNull();
    expect(doneText("toString")).toBeNull();
    expect(doneText(undefined)).toBeNull();
  });
});
