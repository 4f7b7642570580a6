import { expect, test, type Page } from "@playwright/test";
import { buyPlan, newEmail, untilReloaded } from "./helpers";

/**
 * Reports as usage: a Pro subscriber uses the period's 100 reports (98 through the API, the last two
 * with the page's button), sees the count go down, is refused the next one with what to buy,
 * switches to Business, and goes on; /account shows the period's usage and its chart. Through the
 * production build, the outbox and its flush, the emulator's meters and benefits, and FerretDB.
 */

const card = (page: Page, name: string) => page.locator("li").filter({ has: page.getByRole("heading", { name, exact: true }) });

/** `count` reports generated through the API with the page's session, each with its own idempotency key. */
async function generateThroughApi(page: Page, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await page.request.post("/api/pro/report", { headers: { "idempotency-key": `e2e-api-${Date.now()}-${i}` } });
    expect(res.status()).toBe(200);
  }
}

test("a Pro subscriber uses the period's reports, is refused the next with what to buy, switches to Business and goes on", async ({ page }) => {
  const email = newEmail("reports");
  await buyPlan(page, email, "Pro Monthly", "Pro");
  await page.goto("/pro");
  const left = page.getByTestId("reports-left");
  // Each reload's look is short: untilReloaded reloads until it holds (webhooks apply behind their answer).
  const shows = (text: string | RegExp) => () => expect(left).toHaveText(text, { timeout: 1_000 });
  await untilReloaded(page, shows("100 of 100 reports left this period."));

  await generateThroughApi(page, 98);
  // Counted at once (the outbox's events Polar does not show yet count too), and after Polar's meter has them.
  await untilReloaded(page, shows("2 of 100 reports left this period."));
  await page.getByRole("button", { name: "Generate report" }).click();
  await expect(page.getByTestId("report-ready")).toHaveText(/^Report rpt_\w+ is ready\. 1 of 100 left this period\.$/);
  await expect(left).toHaveText("1 of 100 reports left this period.");
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
