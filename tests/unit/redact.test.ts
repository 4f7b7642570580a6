import { describe, expect, it } from "vitest";
import { describeError, redactEmails } from "@/lib/redact";

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
