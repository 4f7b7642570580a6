import { expect, test, type Page } from "@playwright/test";
import { PRO_PRODUCT_ID } from "../../scripts/lib/polar-payloads";
import { emulatorUrl, newEmail, signIn, signInOnPage } from "./helpers";

// `SCREENSHOTS=docs npm run test:e2e` refreshes the README's pictures; otherwise they go with the test output.
const screenshots = process.env.SCREENSHOTS === "docs" ? "docs/screenshots" : "test-results/screenshots";

async function emulatorSettings(settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulatorUrl}/admin/settings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(settings),
  });
  expect(res.ok).toBe(true);
}

async function upgrade(page: Page, planName: string): Promise<void> {
  await page.goto("/pricing");
  await page.getByRole("button", { name: `Upgrade to ${planName}`, exact: true }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
}

async function pay(page: Page, card = "4242 4242 4242 4242"): Promise<void> {
  await page.getByLabel("Card number").fill(card);
  await page.getByRole("button", { name: "Pay" }).click();
}

test.afterEach(async () => {
  await emulatorSettings({ delayMs: 0, duplicateRate: 0, shuffleWindow: 0, dropFirstAttempt: false });
});

test("a new user upgrades to Pro: pricing -> Polar checkout -> confirmation -> account -> /pro", async ({ page }) => {
  const email = newEmail("alice");
  await signIn(page, email, "/pricing");
  await expect(page.getByTestId("plan-free").getByTestId("current-plan")).toBeVisible();
  await page.screenshot({ path: `${screenshots}/1-pricing.png`, fullPage: true });

  await page.goto("/pro");
  await expect(page.getByTestId("pro-locked")).toBeVisible();

  await upgrade(page, "Pro");
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue(email);
  await page.screenshot({ path: `${screenshots}/2-polar-checkout.png`, fullPage: true });
  await pay(page);

  await page.waitForURL(/\/confirmation\?checkout_id=/);
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible();
  await page.screenshot({ path: `${screenshots}/3-confirmation.png`, fullPage: true });

  await page.goto("/account");
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
  const rows = page.getByTestId("payments").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Pro");
  await expect(rows.first()).toContainText("$9.99");
  await expect(rows.first()).toContainText("Paid");
  await page.screenshot({ path: `${screenshots}/4-account.png`, fullPage: true });

  await page.goto("/pro");
  await expect(page.getByTestId("pro-content")).toBeVisible();

  await page.goto("/pricing");
  await expect(page.getByRole("button", { name: "Upgrade to Pro", exact: true })).toHaveCount(0);
});

test("with webhooks delayed by 5 s, the confirmation page still ends on Pro without a reload", async ({ page }) => {
  await emulatorSettings({ delayMs: 5000 });
  const email = newEmail("late");
  await signIn(page, email, "/pricing");
  await upgrade(page, "Pro");
  await pay(page);
  await page.waitForURL(/\/confirmation\?checkout_id=/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible({ timeout: 30_000 });
  await page.goto("/account");
  await expect(page.getByTestId("account-plan")).toHaveText("Pro");
});

test("a declined card leaves the user on Free with a clear message", async ({ page }) => {
  const email = newEmail("declined");
  await signIn(page, email, "/pricing");
  await upgrade(page, "Pro");
  await pay(page, "4000 0000 0000 0002");
  await expect(page.getByText("Your card was declined.")).toBeVisible();
  await page.goto("/account");
  await expect(page.getByTestId("account-plan")).toHaveText("Free");
});

test("a signed-out click on Upgrade goes to sign-in and then straight on to the checkout", async ({ page }) => {
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Upgrade to Pro", exact: true }).click();
  await page.waitForURL(/\/signin\?callbackUrl=/);
  const email = newEmail("straight");
  await signInOnPage(page, email);
  await page.waitForURL((url) => url.origin === emulatorUrl, { timeout: 30_000 });
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue(email);
});

test("someone else's checkout id shows a not-found message, not their payment", async ({ page, browser }) => {
  const owner = newEmail("owner");
  await signIn(page, owner, "/pricing");
  await upgrade(page, "Pro");
  await pay(page);
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  const url = page.url();

  const other = await browser.newPage();
  await signIn(other, newEmail("intruder"), "/account");
  await other.goto(url);
  await expect(other.getByRole("heading", { name: "Checkout not found" })).toBeVisible();
  await other.close();
});

test("Pro Monthly: subscribe, then revoke it in Polar's customer portal, and the app is back on Free", async ({ page }) => {
  const email = newEmail("monthly");
  await signIn(page, email, "/pricing");
  await upgrade(page, "Pro Monthly");
  await pay(page);
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible();

  await page.goto("/account");
  await page.getByRole("link", { name: "Manage billing" }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  await page.getByRole("button", { name: /^Revoke .* now$/ }).click();
  await page.getByRole("link", { name: "← Back to the app" }).click();
  await page.waitForURL("**/account");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("account-plan")).toHaveText("Free", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await page.goto("/pro");
  await expect(page.getByTestId("pro-locked")).toBeVisible();
});

test("a refund in Polar's customer portal returns the user to Free and shows in the payment history", async ({ page }) => {
  const email = newEmail("refund");
  await signIn(page, email, "/pricing");
  await upgrade(page, "Pro");
  await pay(page);
  await expect(page.getByRole("heading", { name: "You're on Pro" })).toBeVisible();
  await page.goto("/api/portal");
  await page.getByRole("button", { name: /^Refund order/ }).click();
  await page.goto("/account");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("account-plan")).toHaveText("Free", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("payments").locator("tbody tr").first()).toContainText("Refunded");
});

test("a tampered product id in the Upgrade form is refused with a clear message", async ({ page }) => {
  await signIn(page, newEmail("tamper"), "/pricing");
  const form = page.getByTestId(`plan-${PRO_PRODUCT_ID}`).locator("form");
  await form.locator('input[name="productId"]').evaluate((input: HTMLInputElement) => (input.value = "not-a-product"));
  await form.getByRole("button").click();
  await expect(form.getByRole("alert")).toHaveText("That plan is not available.");
  await form.locator('input[name="productId"]').evaluate((input: HTMLInputElement) => (input.value = "00000000-0000-4000-8000-000000000000"));
  await form.getByRole("button").click();
  await expect(form.getByRole("alert")).toHaveText("That plan is not available.");
  await expect(page).toHaveURL(/\/pricing/);
});

/** The id of the newest checkout opened for `email`, from the emulator's delivery log. */
async function latestCheckoutId(email: string): Promise<string> {
  const log = (await (await fetch(`${emulatorUrl}/admin/deliveries.json`)).json()) as { deliveries: Array<{ type: string; body: string }> };
  const created = log.deliveries
    .filter((d) => d.type === "checkout.created")
    .map((d) => (JSON.parse(d.body) as { data: { id: string; customer_email: string } }).data)
    .filter((c) => c.customer_email === email);
  const id = created.at(-1)?.id;
  if (!id) throw new Error(`no checkout.created for ${email}`);
  return id;
}

test("a confirmation page opened while the payment is pending updates itself to Pro", async ({ page, context }) => {
  const email = newEmail("waiting");
  await signIn(page, email, "/pricing");
  await upgrade(page, "Pro");
  const checkoutId = await latestCheckoutId(email);

  const confirmation = await context.newPage();
  await confirmation.goto(`/confirmation?checkout_id=${checkoutId}`);
  await expect(confirmation.getByRole("heading", { name: "Finishing your payment…" })).toBeVisible();

  await pay(page);
  // No reload of the waiting tab: it refreshes itself until the payment is done.
  await expect(confirmation.getByRole("heading", { name: "You're on Pro" })).toBeVisible({ timeout: 30_000 });
});
