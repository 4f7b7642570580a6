import { expect, test, type Page } from "@playwright/test";
import { readDotenv } from "../../scripts/lib/local-env";
import { buyPlan, emulatorUrl, newEmail, untilReloaded } from "./helpers";

/**
 * Reports as usage: a Pro subscriber uses the period's 100 reports (99 of them used elsewhere, sent
 * to Polar's meter directly), is refused the next one with what to buy, switches to Business, and
 * goes on; /account shows the period's usage and its chart. Through the production build, the
 * emulator's meters and benefits, and FerretDB.
 */

const card = (page: Page, name: string) => page.locator("li").filter({ has: page.getByRole("heading", { name, exact: true }) });

/** `count` reports used elsewhere (another device's), straight to Polar's events.ingest. */
async function usedElsewhere(email: string, count: number): Promise<void> {
  const token = readDotenv(".data/e2e/local.env").POLAR_ACCESS_TOKEN;
  const events = Array.from({ length: count }, (_, i) => ({ name: "report.generated", external_customer_id: email, external_id: `${email}-elsewhere-${i}` }));
  const res = await fetch(`${emulatorUrl}/v1/events/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  expect(await res.json()).toEqual({ inserted: count, duplicates: 0 });
}

test("a Pro subscriber uses the period's reports, is refused the next with what to buy, switches to Business and goes on", async ({ page }) => {
  const email = newEmail("reports");
  await buyPlan(page, email, "Pro Monthly", "Pro");
  await page.goto("/pro");
  const left = page.getByTestId("reports-left");
  // Each reload's look is short: untilReloaded reloads until it holds (webhooks apply behind their answer).
  const shows = (text: string | RegExp) => () => expect(left).toHaveText(text, { timeout: 1_000 });
  await untilReloaded(page, shows("100 of 100 reports left this period."));

  await usedElsewhere(email, 99);
  await untilReloaded(page, shows("1 of 100 reports left this period."));
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page.getByTestId("report-ready")).toHaveText(/^Report rpt_\w+ is ready\. 0 of 100 left this period\.$/);
  await expect(left).toHaveText("0 of 100 reports left this period.");

  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page.getByTestId("report-refused")).toHaveText(
    "You have used all 100 reports included this period. Upgrade on /pricing for more reports (a plan with usage billing goes on past its credits), or wait for your next period.",
  );
  // The API says the same, with the status a client can act on.
  const api = await page.request.post("/api/pro/report", { headers: { "idempotency-key": "e2e-refused-0001" } });
  expect(api.status()).toBe(402);
  expect((await api.json()) as { upgrade: string }).toMatchObject({ upgrade: "/pricing" });

  await page.goto("/pricing");
  const business = card(page, "Business Monthly");
  await business.getByRole("button", { name: "Switch to Business Monthly" }).click();
  await business.getByRole("button", { name: /^Confirm and pay / }).click();
  await page.waitForURL("**/account?done=switched");

  await page.goto("/pro");
  await untilReloaded(page, shows(/^[1-9]\d* of \d{4} reports left this period\.$/));
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page.getByTestId("report-ready")).toHaveText(/ of \d{4} left this period\.$/);

  await page.goto("/account");
  await expect(page.getByTestId("usage-line")).toHaveText(/^\d+ of \d{4} used this period\.$/);
  await expect(page.getByTestId("usage-chart").locator("svg path")).toBeVisible();
});
