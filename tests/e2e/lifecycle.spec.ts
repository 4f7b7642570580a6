import { expect, test, type Page } from "@playwright/test";
import { buyPlan, emulatorUrl, newEmail, signIn, untilReloaded } from "./helpers";

/**
 * The subscription's life after the purchase, driven from the emulator's customer portal as a
 * customer (or Polar's billing run) would: renewal, a failed renewal in the grace period
 * (BILLING_GRACE_DAYS is 7 for the e2e server, scripts/e2e-server.ts), the retried payment, a
 * partial refund, and a free trial converted into its first paid period. The account page is
 * reloaded until it shows what the webhooks brought.
 */

async function openPortal(page: Page): Promise<void> {
  await page.goto("/account");
  await page.getByTestId("manage-billing").click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
}

async function backToAccount(page: Page): Promise<void> {
  await page.getByRole("link", { name: "← Back to the app" }).click();
  await page.waitForURL("**/account");
}

const untilAccount = untilReloaded;

const buyProMonthly = (page: Page, tag: string) => buyPlan(page, newEmail(tag), "Pro Monthly", "Pro");

const standing = (page: Page) => page.getByTestId("subscription-standing");
const rows = (page: Page) => page.getByTestId("payment-row");

const DAY = 86_400_000;
const shortDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
/** "Trial ends on <date>" for a 14-day trial started between `from` and now (a midnight may fall in between). */
const trialEndsText = (from: number) => new RegExp(`^Trial ends on (${shortDate.format(from + 14 * DAY)}|${shortDate.format(Date.now() + 14 * DAY)})$`);

test("Pro Monthly: renew, a failed renewal in grace, the retried payment, a partial refund", async ({ page }) => {
  await buyProMonthly(page, "lifecycle");

  await page.goto("/account");
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
  });
  const firstRenewal = await standing(page).textContent();
  await expect(rows(page)).toHaveCount(1);

  // Renew now: a second payment (the renewal order) and the next period's end.
  await openPortal(page);
  await page.getByRole("button", { name: /^Renew .* now$/ }).click();
  await expect(page.getByRole("status")).toHaveText("The subscription was renewed.");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(rows(page)).toHaveCount(2, { timeout: 1_000 });
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
    await expect(standing(page)).not.toHaveText(firstRenewal ?? "", { timeout: 1_000 });
  });
  await expect(page.locator('[data-testid="payment-row"][data-renewal="true"]')).toHaveCount(1);
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");

  // A renewal whose card fails: past_due, Pro kept for the grace period.
  await openPortal(page);
  await page.getByRole("button", { name: /with a failing card$/ }).click();
  await expect(page.getByRole("status")).toContainText("past due");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Payment failed: Pro until /, { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
  await expect(rows(page)).toHaveCount(3);
  await expect(rows(page).first()).toContainText("Pending");

  // Polar retries the card and it goes through: back to normal.
  await openPortal(page);
  await page.getByRole("button", { name: /^Retry the payment of / }).click();
  await expect(page.getByRole("status")).toContainText("active again");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
    await expect(rows(page).first()).toContainText("Paid", { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");

  // Half of the latest order refunded: still Pro, the payment shown partially refunded.
  await openPortal(page);
  await page.getByRole("button", { name: /^Refund part of order / }).first().click();
  await expect(page.getByRole("status")).toHaveText("Part of the order was refunded.");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(page.getByTestId("payment-status").filter({ hasText: /^Partially refunded \(\$6\.49\)$/ })).toHaveCount(1, { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
  await expect(standing(page)).toHaveText(/^Renews on /);
});

test("Pro Monthly: cancel at period end shows 'Ends on', Resume brings back 'Renews on'", async ({ page }) => {
  await buyProMonthly(page, "resume");

  await page.goto("/account");
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
  });
  const date = (await standing(page).textContent())?.replace(/^Renews on /, "") ?? "";

  await openPortal(page);
  await page.getByRole("button", { name: /^Cancel .* at period end$/ }).click();
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(`Ends on ${date}`, { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");

  await openPortal(page);
  await page.getByRole("button", { name: /^Resume / }).click();
  await expect(page.getByRole("status")).toHaveText("The subscription was resumed.");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(`Renews on ${date}`, { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
});

test("Pro Trial: the free trial from /pricing through Polar's checkout, 'Trial ends on', then Renew now converts it to a paid period", async ({ page }) => {
  await signIn(page, newEmail("trial"), "/pricing");
  const card = page.getByTestId("plan-trial");
  await expect(card).toHaveText("14 days free, then $12.99 per month");
  await page.getByRole("button", { name: "Start free trial of Pro Trial", exact: true }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);

  // Polar's hosted checkout shows the trial, takes the card, and charges nothing now.
  await expect(page.getByText("14 days free", { exact: true })).toBeVisible();
  await expect(page.locator("#trial-terms")).toContainText("Then $12.99 / month starting ");
  await expect(page.getByRole("button", { name: "Pay" })).toHaveCount(0);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  const started = Date.now();
  await page.getByRole("button", { name: "Start trial" }).click();
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible();
  await expect(page.getByTestId("confirmation-trial")).toHaveText(trialEndsText(started));

  await page.goto("/account");
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(trialEndsText(started), { timeout: 1_000 });
  });
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
  // Polar's $0 order for the trial: the history says nothing was charged.
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("Pro Trial");
  await expect(rows(page).first()).toContainText("$0.00");

  // The trial ends (brought forward from the portal): the first paid period begins.
  await openPortal(page);
  await expect(page.getByRole("cell", { name: /^trialing, trial ends / })).toBeVisible();
  await page.getByRole("button", { name: /^Renew .* now$/ }).click();
  await expect(page.getByRole("status")).toHaveText("The trial ended: the first paid period has started.");
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(rows(page)).toHaveCount(2, { timeout: 1_000 });
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
    await expect(rows(page).first()).toContainText("Paid", { timeout: 1_000 });
  });
  const renewal = page.locator('[data-testid="payment-row"][data-renewal="true"]');
  await expect(renewal).toHaveCount(1);
  await expect(renewal).toContainText("$12.99");
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
});

test("Pro Monthly: a failed renewal that Polar's retries never recover: each retry's date in the portal, revoked after the fourth, Free", async ({ page }) => {
  await buyProMonthly(page, "dunning");
  await page.goto("/account");
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Renews on /, { timeout: 1_000 });
  });

  await openPortal(page);
  await page.getByRole("button", { name: /with a failing card$/ }).click();
  await expect(page.getByRole("status")).toContainText("past due");
  const state = page.getByRole("cell", { name: /^past_due, / });
  await expect(state).toHaveText(/^past_due, retry 1 of 4 on \d{4}-\d{2}-\d{2}$/);
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(standing(page)).toHaveText(/^Payment failed: Pro until /, { timeout: 1_000 });
  });

  // Polar's retries on days 2, 7 and 14 are declined too (brought forward from the portal).
  await openPortal(page);
  for (const retry of [2, 3, 4]) {
    await page.getByRole("button", { name: /^Next scheduled retry of .*, declined$/ }).click();
    await expect(page.getByRole("status")).toHaveText("The retry was declined: Polar tries again on the date shown.");
    await expect(state).toHaveText(new RegExp(`^past_due, retry ${retry} of 4 on `));
  }
  // Still in grace meanwhile: Polar sent nothing for the declined retries.
  await backToAccount(page);
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");

  // Day 21's retry declined: the end of dunning, the subscription revoked, the plan gone.
  await openPortal(page);
  await page.getByRole("button", { name: /^Next scheduled retry of .*, declined$/ }).click();
  await expect(page.getByRole("status")).toHaveText("The last retry was declined: the subscription was revoked.");
  await expect(page.getByRole("cell", { name: "canceled", exact: true })).toBeVisible();
  await backToAccount(page);
  await untilAccount(page, async () => {
    await expect(page.getByTestId("account-plan")).toHaveText("Free", { timeout: 1_000 });
  });
  await expect(standing(page)).toHaveCount(0);
});
