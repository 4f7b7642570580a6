import { describe, expect, it } from "vitest";
import { findLeaks } from "../../scripts/lib/log-leaks";

describe("findLeaks: the e2e run's check of the app's log", () => {
  const env = { NEXTAUTH_SECRET: "n".repeat(40), CRON_SECRET: "cron-secret-of-the-run", APP_URL: "http://localhost:3100" };

  it("names the line of each email and each secret value, never the value", () => {
    const log = ["> next start", "[checkout] opened co_1 for alice@example.com", `[cron] Bearer ${env.CRON_SECRET}`, "ok"].join("\n");
    const leaks = findLeaks(log, env);
    expect(leaks).toEqual(["line 2: an email", "line 3: the value of CRON_SECRET"]);
    expect(leaks.join("\n")).not.toContain(env.CRON_SECRET);
  });

  it("passes a redacted log, and ignores variables that are not secrets", () => {
    expect(findLeaks("[checkout] opened co_1 for <email>\nlistening on http://localhost:3100", env)).toEqual([]);
  });
});
