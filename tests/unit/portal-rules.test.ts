import { describe, expect, it } from "vitest";
import { accountNotice } from "@/lib/account/notices";
import { electedAttemptFailed, electionOpenSince, retryAfterSeconds, reusableUrl } from "@/lib/portal/rules";

const now = new Date(Date.UTC(2026, 11, 2, 12));
const later = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;

describe("the customer portal's rules", () => {
  it("reuses a stored session while more than 10 minutes are left", () => {
    expect(reusableUrl({ url: "u", expiresAt: later(50 * MIN) }, now)).toBe("u");
    expect(reusableUrl({ url: "u", expiresAt: later(10 * MIN) }, now)).toBeNull();
    expect(reusableUrl({ url: null, expiresAt: later(50 * MIN) }, now)).toBeNull();
    expect(reusableUrl(null, now)).toBeNull();
  });

  it("elects one request per 30 s, and says how long until the next", () => {
    expect(electionOpenSince(now)).toEqual(later(-30_000));
    expect(retryAfterSeconds({ requestedAt: later(-12_000) }, now)).toBe(18);
    expect(retryAfterSeconds({ requestedAt: later(-30_000) }, now)).toBe(1);
    expect(retryAfterSeconds(null, now)).toBe(1);
  });

  it("knows when the window's elected attempt failed", () => {
    expect(electedAttemptFailed({ requestedAt: later(-5_000), failedAt: later(-4_000) })).toBe(true);
    expect(electedAttemptFailed({ requestedAt: later(-5_000), failedAt: later(-60_000) })).toBe(false);
    expect(electedAttemptFailed({ requestedAt: later(-5_000), failedAt: null })).toBe(false);
  });
});

describe("the account page's notices", () => {
  it("says why it was sent there, from a fixed list", () => {
    expect(accountNotice({ portal: "none" }, "Free")).toMatch(/^You have no billing account yet: buy a plan first/);
    expect(accountNotice({ checkout: "subscribed" }, "Pro")).toBe("You already have Pro: change it here instead of buying it again.");
    expect(accountNotice({ checkout: "subscribed" }, "Free")).toMatch(/^You already have a subscription with Polar: it shows here within a few minutes/);
    expect(accountNotice({ portal: "<script>" }, "Free")).toBeNull();
    expect(accountNotice({}, "Free")).toBeNull();
  });
});
