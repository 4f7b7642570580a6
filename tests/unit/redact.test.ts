import { describe, expect, it } from "vitest";
import { describeError, redact, redactEmails } from "@/lib/redact";
import { installLogRedaction } from "@/lib/log-redaction";

describe("logs and stored errors name ids, not emails", () => {
  it("replaces every email in a text, whatever its case or tag", () => {
    expect(redactEmails('E11000 duplicate key error dup key: { email: "Alice.B+pro@Example.co.uk" } and bob@example.com')).toBe(
      'E11000 duplicate key error dup key: { email: "<email>" } and <email>',
    );
  });

  it("keeps ids and the rest of the message", () => {
    expect(describeError(new TypeError("checkout co_123 of cus_9 failed"))).toBe("TypeError: checkout co_123 of cus_9 failed");
    expect(describeError("user alice@example.com: boom")).toBe("user <email>: boom");
  });
});

describe("secrets never reach a log", () => {
  it("removes Polar's tokens and secrets, bearer tokens, connection-string credentials, and the deployment's own values", () => {
    expect(redact("token polar_oat_AbC123xyz_456 and polar_whs_ZZZ999yyy and whsec_c2VjcmV0LXZhbHVlLTEyMw==")).toBe("token <secret> and <secret> and <secret>");
    expect(redact("Authorization: Bearer abc.def-ghi_123")).toBe("Authorization: Bearer <secret>");
    expect(redact("connect mongodb+srv://app:p%40ss@cluster0.example.net/billing failed")).toBe("connect mongodb+srv://<credentials>@cluster0.example.net/billing failed");
    expect(redact("cron said nope-this-is-the-cron-secret", ["nope-this-is-the-cron-secret"])).toBe("cron said <secret>");
  });

  it("every console line of the server process, whoever prints it (Next's own errors, a driver's E11000)", () => {
    const written: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    try {
      installLogRedaction({ NEXTAUTH_SECRET: "a-very-private-nextauth-secret-0123456789" });
      console.error(new Error('E11000 duplicate key error collection: users index: email_1 dup key: { email: "alice@example.com" }'));
      console.error("%s leaked", "a-very-private-nextauth-secret-0123456789");
    } finally {
      console.error = original;
    }
    expect(written.join("\n")).not.toMatch(/alice@example\.com|a-very-private/);
    expect(written[0]).toContain('dup key: { email: "<email>" }');
    expect(written[1]).toBe("<secret> leaked");
  });
});
