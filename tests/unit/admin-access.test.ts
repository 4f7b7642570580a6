import { describe, expect, it, vi } from "vitest";

vi.mock("@/lib/auth/session", () => ({ getSession: vi.fn() }));
const { isOperator } = await import("@/lib/admin/access");

const alice = { email: "ops@example.com", provider: "google", subject: "g-alice" };

describe("isOperator: who may open /admin", () => {
  it("a listed email, from any provider account bound to it", () => {
    expect(isOperator([{ email: "ops@example.com", pin: null }], alice)).toBe(true);
    expect(isOperator([{ email: "you@example.com", pin: null }], alice)).toBe(false);
    expect(isOperator([], alice)).toBe(false);
  });

  it("a pinned entry: only that provider account, even when another presents the email", () => {
    const pinned = [{ email: "ops@example.com", pin: { provider: "google", subject: "g-alice" } }];
    expect(isOperator(pinned, alice)).toBe(true);
    expect(isOperator(pinned, { ...alice, subject: "g-successor" })).toBe(false);
    expect(isOperator(pinned, { ...alice, provider: "github" })).toBe(false);
  });
});
