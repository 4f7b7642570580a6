import { describe, expect, it } from "vitest";
import { checkoutOrigins, contentSecurityPolicy } from "@/lib/security-headers";

describe("contentSecurityPolicy", () => {
  const prod = contentSecurityPolicy("abc123", { dev: false, checkoutOrigins: checkoutOrigins("http://127.0.0.1:7100/") });
  const directives = Object.fromEntries(prod.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

  it("allows only nonce'd scripts in production (no unsafe-inline, no eval)", () => {
    expect(directives["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(prod).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  it("refuses framing and plugins", () => {
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["object-src"]).toEqual(["'none'"]);
  });

  it("lets a form post continue to Polar's checkout and the local emulator only", () => {
    expect(directives["form-action"]).toEqual(["'self'", "https://polar.sh", "https://sandbox.polar.sh", "https://buy.polar.sh", "http://127.0.0.1:7100"]);
  });

  it("adds eval only for the dev server's hot reload", () => {
    expect(contentSecurityPolicy("n", { dev: true, checkoutOrigins: [] })).toContain("'unsafe-eval'");
  });
});
