import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "@/lib/auth/callback-url";

describe("safeCallbackUrl", () => {
  it("keeps same-site paths with their query", () => {
    expect(safeCallbackUrl("/confirmation?checkout_id=abc")).toBe("/confirmation?checkout_id=abc");
    expect(safeCallbackUrl("http://localhost:3000/account")).toBe("/account");
  });

  it("never sends the user to another site", () => {
    // Only the path survives, so the browser stays on this origin.
    expect(safeCallbackUrl("//evil.example/steal")).toBe("/steal");
    expect(safeCallbackUrl("https://evil.example/steal?x=1")).toBe("/steal?x=1");
    expect(safeCallbackUrl("/\\evil.example")).toBe("/");
    expect(safeCallbackUrl(undefined)).toBe("/account");
  });
});
