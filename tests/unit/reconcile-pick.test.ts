import { describe, expect, it } from "vitest";
import { fairPick } from "@/lib/billing/reconcile-pick";

const users = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ email: `${tag}${i}@example.com` }));

describe("fairPick: flagged, then recent, then paid, none starving the others", () => {
  it("a flagged Free user is visited even when 200 paid users wait (the old pick gave paid users every slot)", () => {
    const flagged = users("flagged", 1);
    const picked = fairPick([flagged, [], users("paid", 200)], 50);
    expect(picked).toHaveLength(50);
    expect(picked[0]).toEqual(flagged[0]);
  });

  it("every tier gets its share while the others are full: flagged half, recent half of the rest, paid the rest", () => {
    const picked = fairPick([users("f", 100), users("r", 100), users("p", 100)], 50);
    const count = (tag: string) => picked.filter((u) => u.email.startsWith(tag)).length;
    expect([count("f"), count("r"), count("p")]).toEqual([25, 13, 12]);
  });

  it("unused shares pass on; a user in two tiers counts once, in the first", () => {
    const both = { email: "both@example.com" };
    const picked = fairPick([[both], [both, ...users("r", 3)], users("p", 100)], 10);
    expect(picked.filter((u) => u.email === "both@example.com")).toHaveLength(1);
    expect(picked).toHaveLength(10);
    expect(picked.slice(0, 4).map((u) => u.email)).toEqual(["both@example.com", "r0@example.com", "r1@example.com", "r2@example.com"]);
  });

  it("fewer users than the limit: all of them", () => {
    expect(fairPick([users("f", 2), users("r", 1), users("p", 3)], 50)).toHaveLength(6);
  });
});
