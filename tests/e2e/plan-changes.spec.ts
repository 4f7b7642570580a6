import { expect, test, type Page } from "@playwright/test";
import { buyPlan, emulatorUrl, newEmail, signIn, untilReloaded } from "./helpers";

/**
 * Plan changes after the first purchase, from /pricing and /account through the emulator's
 * `PATCH /v1/subscriptions/{id}`: an upgrade now with its proration charge, a downgrade
 * scheduled for the next renewal, monthly to yearly, a pause and its resume, and the checkout a
 * subscriber must never get. Renewals are the emulator portal's "Renew now" (its clock does not
 * run).
 */

// `SCREENSHOTS=docs npm run test:e2e` refreshes the README's pictures; otherwise they go with the test output.
const screenshots = process.env.SCREENSHOTS === "docs" ? "docs/screenshots" : "test-results/screenshots";

const card = (page: Page, name: string) => page.locator("li").filter({ has: page.getByRole("heading", { name, exact: true }) });
const rows = (page: Page) => page.getByTestId("payment-row");
const planLine = (page: Page) => page.getByTestId("account-plan");
const standing = (page: Page) => page.getByTestId("subscription-standing");
const done = (page: Page) => page.getByTestId("change-done");

/** The subscriptions Polar (the emulator) created for `email`, from its webhook log. */
async function subscriptionsAtPolar(email: string): Promise<Set<string>> {
  const log = (await (await fetch(`${emulatorUrl}/admin/deliveries.json`)).json()) as { deliveries: Array<{ type: string; body: string }> };
  const ids = new Set<string>();
  for (const d of log.deliveries) {
    if (d.type !== "subscription.created") continue;
    const data = (JSON.parse(d.body) as { data: { id: string; customer: { external_id: string | null } } }).data;
    if (data.customer.external_id === email) ids.add(data.id);
  }
  return ids;
}

/** Polar's customer portal, from Manage billing; `action` is a portal button, e.g. Renew now. */
async function inPortal(page: Page, action: RegExp): Promise<void> {
  await page.goto("/account");
  await page.getByTestId("manage-billing").click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  await page.getByRole("button", { name: action }).click();
  await page.getByRole("link", { name: "← Back to the app" }).click();
  await page.waitForURL("**/account");
}

test("Pro Monthly -> Business Monthly: the preview, one charge however often Confirm is clicked, Business at once", async ({ page }) => {
  const email = newEmail("upgrade");
  await buyPlan(page, email, "Pro Monthly", "Pro");
  await page.goto("/pricing");
  await expect(card(page, "Pro Monthly").getByTestId("current-plan")).toBeVisible();
  // A subscriber is offered switches, never a second checkout.
  await expect(page.getByRole("button", { name: /^Upgrade to .* (Monthly|Yearly)$/ })).toHaveCount(0);

  const business = card(page, "Business Monthly");
  await business.getByRole("button", { name: "Switch to Business Monthly" }).click();
  const preview = business.getByTestId("switch-preview");
  await expect(preview).toHaveText(/^Switch now: about \$\d+\.\d\d charged today \(Business Monthly for the rest of this period, less \$\d+\.\d\d for the unused part of your current plan; Polar's per-second proration rule/);
  const charged = /about (\$\d+\.\d\d)/.exec((await preview.textContent()) ?? "")?.[1];
  await page.screenshot({ path: `${screenshots}/6-switch-preview.png`, fullPage: true });

  await business.getByRole("button", { name: `Confirm and pay ${charged}` }).dblclick();
  await page.waitForURL("**/account?done=switched");
  await expect(done(page)).toHaveText(/^Your plan is changed\./);
  await expect(planLine(page)).toHaveText("Business");
  await untilReloaded(page, async () => {
    await expect(rows(page).and(page.locator('[data-reason="plan-change"]'))).toHaveCount(1, { timeout: 1_000 });
  });
  const change = rows(page).and(page.locator('[data-reason="plan-change"]'));
  await expect(change).toContainText("Business Monthly (plan change, prorated)");
  await expect(change).toContainText(charged ?? "no amount previewed");
  await expect(rows(page)).toHaveCount(2);
  expect((await subscriptionsAtPolar(email)).size).toBe(1);
  // Business ranks above Pro (Polar metadata): requirePlan("pro") lets it in with no code naming it.
  await page.goto("/pro");
  await expect(page.getByTestId("pro-content")).toBeVisible();
});

test("Business Monthly -> Pro Monthly: scheduled, shown, kept or applied at the next renewal", async ({ page }) => {
  const email = newEmail("downgrade");
  await buyPlan(page, email, "Business Monthly", "Business");
  await page.goto("/pricing");
  const pro = card(page, "Pro Monthly");
  await pro.getByRole("button", { name: "Switch to Pro Monthly" }).click();
  await expect(pro.getByTestId("switch-preview")).toHaveText(/^Switches to Pro Monthly on .+, when your current period ends\. Nothing is charged now/);
  await pro.getByRole("button", { name: /^Confirm switch on / }).click();
  await page.waitForURL("**/account?done=scheduled");
  await expect(done(page)).toHaveText(/^Your switch is scheduled/);
  await expect(planLine(page)).toHaveText("Business");
  await expect(page.getByTestId("pending-switch")).toHaveText(/^Switches to Pro Monthly on /);
  await page.screenshot({ path: `${screenshots}/7-scheduled-switch.png`, fullPage: true });
  // Kept, then scheduled again: the switch can be taken back.
  await page.getByRole("button", { name: "Keep Business Monthly" }).click();
  await page.waitForURL("**/account?done=kept");
  await expect(page.getByTestId("pending-switch")).toHaveCount(0);
  await page.goto("/pricing");
  await card(page, "Pro Monthly").getByRole("button", { name: "Switch to Pro Monthly" }).click();
  await card(page, "Pro Monthly").getByRole("button", { name: /^Confirm switch on / }).click();
  await page.waitForURL("**/account?done=scheduled");
  await expect(page.getByTestId("pending-switch")).toHaveText(/^Switches to Pro Monthly on /);

  await inPortal(page, /^Renew .* now$/);
  await untilReloaded(page, async () => {
    await expect(planLine(page)).toHaveText("Pro", { timeout: 1_000 });
    await expect(rows(page).and(page.locator('[data-renewal="true"]'))).toHaveCount(1, { timeout: 1_000 });
  });
  await expect(page.getByTestId("pending-switch")).toHaveCount(0);
  await expect(rows(page).and(page.locator('[data-renewal="true"]'))).toContainText("Pro Monthly (renewal)");
  await expect(rows(page).and(page.locator('[data-renewal="true"]'))).toContainText("$12.99");
  expect((await subscriptionsAtPolar(email)).size).toBe(1);
});

test("Pro Monthly -> Pro Yearly: the year is paid now and the period restarts", async ({ page }) => {
  await buyPlan(page, newEmail("yearly"), "Pro Monthly", "Pro");
  await page.goto("/pricing");
  const yearly = card(page, "Pro Yearly");
  await yearly.getByRole("button", { name: "Switch to Pro Yearly" }).click();
  await expect(yearly.getByTestId("switch-preview")).toHaveText(/the full \$129\.90 for a new year starting today, less \$\d+\.\d\d for the unused part/);
  await yearly.getByRole("button", { name: /^Confirm and pay / }).click();
  await page.waitForURL("**/account?done=switched");
  await expect(planLine(page)).toHaveText("Pro");
  const nextYear = new Date(Date.now() + 360 * 86_400_000).getUTCFullYear();
  await expect(standing(page)).toHaveText(new RegExp(`^Renews on .*${nextYear}$`));
  await untilReloaded(page, async () => {
    await expect(rows(page).and(page.locator('[data-reason="plan-change"]'))).toHaveCount(1, { timeout: 1_000 });
  });
});

test("pause at the period end -> paused after the renewal date (Free) -> resume (Pro again, charged)", async ({ page }) => {
  await buyPlan(page, newEmail("pause"), "Pro Monthly", "Pro");
  await page.goto("/account");
  await page.getByRole("button", { name: "Pause at period end" }).click();
  await page.waitForURL("**/account?done=paused");
  await expect(standing(page)).toHaveText(/^Pauses on /);
  await expect(planLine(page)).toHaveText("Pro");

  // The period ends: Polar pauses it instead of renewing.
  await inPortal(page, /^Renew .* now$/);
  await untilReloaded(page, async () => {
    await expect(standing(page)).toHaveText("Paused", { timeout: 1_000 });
  });
  await expect(planLine(page)).toHaveText("Free");
  await page.goto("/pro");
  await expect(page.getByTestId("pro-locked")).toBeVisible();
  await page.goto("/account");

  await page.getByRole("button", { name: "Resume now" }).click();
  await page.waitForURL("**/account?done=resumed");
  await expect(done(page)).toHaveText("Your subscription is active again. Polar charged the new period.");
  await expect(planLine(page)).toHaveText("Pro");
  await expect(standing(page)).toHaveText(/^Renews on /);
});

test("a stale Upgrade form in a second tab, submitted after buying in the first: no second checkout, one subscription at Polar", async ({ page, context }) => {
  const email = newEmail("second-tab");
  await signIn(page, email, "/pricing");
  const stale = await context.newPage();
  await stale.goto("/pricing");
  await expect(stale.getByRole("button", { name: "Upgrade to Business Monthly", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Upgrade to Pro Monthly", exact: true }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible();

  await stale.getByRole("button", { name: "Upgrade to Business Monthly", exact: true }).click();
  await expect(card(stale, "Business Monthly").getByRole("alert")).toHaveText(
    "You already have a subscription. Switch plans with the Switch buttons instead of buying a second one.",
  );
  expect(new URL(stale.url()).origin).not.toBe(emulatorUrl);
  expect((await subscriptionsAtPolar(email)).size).toBe(1);
});
