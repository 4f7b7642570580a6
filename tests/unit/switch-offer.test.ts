import { describe, expect, it } from "vitest";
import type { PlanOffer } from "@/lib/plans/offer";
import { switchOffer } from "@/lib/plan-changes/offers";
import type { LiveSubscription } from "@/lib/plan-changes/subscriber";

const offer = (x: Partial<PlanOffer>): PlanOffer => ({
  productId: "p",
  name: "Plan",
  description: null,
  plan: "pro",
  rank: 1,
  price: "$12.99",
  amount: 1299,
  currency: "USD",
  interval: "month",
  trial: null,
  seats: null,
  ...x,
});
const proMonthly = offer({ productId: "pm", name: "Pro Monthly" });
const sub = {
  productId: "pm",
  amount: 1299,
  currency: "USD",
  recurringInterval: "month",
  currentPeriodStart: new Date("2026-12-01T00:00:00Z"),
  currentPeriodEnd: new Date("2026-12-31T00:00:00Z"),
  pendingProductId: null,
  pendingAppliesAt: null,
} as unknown as LiveSubscription;
const now = new Date("2026-12-21T00:00:00Z"); // a third of the period left

describe("switchOffer: what a subscriber's pricing card says", () => {
  it("an upgrade: what Polar charges now, by its per-second rule, and the button says the amount", () => {
    const change = switchOffer(sub, proMonthly, offer({ productId: "bm", name: "Business Monthly", plan: "business", rank: 2, price: "$49.00", amount: 4900 }), now);
    expect(change).toEqual({
      kind: "switch",
      direction: "upgrade",
      preview:
        "Switch now: about $12.00 charged today (Business Monthly for the rest of this period, less $4.33 for the unused part of your current plan; Polar's per-second proration rule, exact at the second you confirm).",
      confirmLabel: "Confirm and pay $12.00",
    });
  });

  it("a downgrade: when it takes effect, nothing charged now", () => {
    const change = switchOffer({ ...sub, productId: "bm", amount: 4900 } as LiveSubscription, undefined, proMonthly, now);
    expect(change).toMatchObject({ kind: "switch", direction: "downgrade", confirmLabel: "Confirm switch on Dec 31, 2026" });
    expect(change.kind === "switch" && change.preview).toMatch(/^Switches to Pro Monthly on Dec 31, 2026, when your current period ends\. Nothing is charged now/);
  });

  it("its own product is current; a scheduled one says when; a trial is for new subscribers; a one-time purchase of its tier is included", () => {
    expect(switchOffer(sub, proMonthly, proMonthly, now)).toEqual({ kind: "current" });
    const at = new Date("2026-12-31T00:00:00Z");
    expect(switchOffer({ ...sub, pendingProductId: "py", pendingAppliesAt: at } as LiveSubscription, proMonthly, offer({ productId: "py" }), now)).toEqual({ kind: "scheduled", on: at });
    expect(switchOffer(sub, proMonthly, offer({ productId: "pt", trial: "14 days free" }), now)).toEqual({ kind: "new-customers" });
    expect(switchOffer(sub, proMonthly, offer({ productId: "p1", interval: null, amount: 999 }), now)).toEqual({ kind: "included" });
  });
});
