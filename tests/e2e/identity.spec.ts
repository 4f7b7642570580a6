import { expect, test } from "@playwright/test";
import { buyPlan, newEmail, signIn, signInOnPage } from "./helpers";

// Accounts bound to the identity provider's subject, sessions the server can end, and an account
// its owner can delete: through the real local OpenID Connect provider, the production build,
// the Polar emulator and FerretDB.

test("an address that changed hands does not open its old account: another person at the provider is refused", async ({ page }) => {
  const email = newEmail("handover");
  await signIn(page, email);
  await expect(page.getByTestId("identities")).toContainText("Local identity provider (development)");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/");

  await page.goto("/signin?callbackUrl=/account");
  await signInOnPage(page, email, "successor");
  await page.waitForURL(/\/signin\?.*error=AccountNotLinked/);
  await expect(page.getByTestId("signin-error")).toHaveText(
    "This email's account signs in with a different Local identity provider (development) account. Sign in with that one: an account stays with whoever first signed in, even when an email address changes hands.",
  );
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
});

test("sign out everywhere ends the sessions of every browser, at once", async ({ browser }) => {
  const email = newEmail("everywhere");
  const laptop = await browser.newPage();
  const phone = await browser.newPage({ storageState: undefined });
  await signIn(laptop, email);
  await signIn(phone, email);
  await expect(phone.getByTestId("account-email")).toHaveText(email);

  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await laptop.waitForURL(/\/signin\?notice=signed-out-everywhere/);
  await expect(laptop.getByTestId("signin-notice")).toHaveText("You are signed out on every device.");
  // The phone's cookie is still sealed and unexpired: the server ends it by its session version.
  await phone.goto("/account");
  await expect(phone).toHaveURL(/\/signin\?callbackUrl=/);
  await laptop.context().close();
  await phone.context().close();
});

test("delete my account: asks for the email, cancels the subscription at Polar, and a new sign-in starts from nothing", async ({ page }) => {
  const email = newEmail("delete");
  await buyPlan(page, email, "Pro Monthly", "Pro");
  await page.goto("/account");
  await expect(page.getByTestId("payment-row")).toHaveCount(1);

  await page.getByText("Delete my account", { exact: true }).first().click();
  const form = page.getByTestId("delete-account");
  await form.getByLabel(/Type .* to confirm/).fill("someone-else@example.com");
  await form.getByRole("button", { name: "Delete my account" }).click();
  await expect(form.getByRole("alert")).toHaveText(`Type ${email} to confirm: nothing was deleted.`);

  await form.getByLabel(/Type .* to confirm/).fill(email);
  await form.getByRole("button", { name: "Delete my account" }).click();
  await page.waitForURL(/\/signin\?notice=account-deleted/);
  await expect(page.getByTestId("signin-notice")).toContainText("Your account was deleted.");

  await signInOnPage(page, email);
  await page.goto("/account");
  await expect(page.getByTestId("account-plan")).toHaveText("Free");
  await expect(page.getByText("No payments yet.")).toBeVisible();
});
