import { expect, test } from "@playwright/test";
import { newEmail, signIn, signInOnPage } from "./helpers";

test("a new email signs in and sees itself on the Free plan on the account page", async ({ page }) => {
  const email = newEmail("NewUser");
  await signIn(page, email);
  await expect(page.getByTestId("account-email")).toHaveText(email.toLowerCase());
  await expect(page.getByTestId("account-plan")).toHaveText("Free");
  await expect(page.getByTestId("signed-in-as")).toHaveText(email.toLowerCase());
});

test("a signed-out visit to /account goes to sign-in and comes back", async ({ page }) => {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  const email = newEmail("gate");
  await signInOnPage(page, email);
  await page.waitForURL("**/account");
  await expect(page.getByTestId("account-email")).toHaveText(email);
});

test("an invalid email is refused with a clear message", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email address").fill("not-an-email@");
  await page.getByRole("button", { name: "Sign in with email" }).click();
  // The browser's own validation keeps the form from being sent.
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});
