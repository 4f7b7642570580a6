import { expect, test } from "@playwright/test";
import { signIn as signInOverHttp } from "../../scripts/bench/session";
import { newEmail, oidcIssuer, openLocalProvider, signIn, signInOnPage } from "./helpers";

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

test("an invalid email is refused at the identity provider", async ({ page }) => {
  await page.goto("/signin");
  await openLocalProvider(page);
  await page.getByLabel("Email address").fill("not-an-email@");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // The browser's own validation keeps the form from being sent.
  await expect(page).toHaveURL((url) => url.origin === oidcIssuer && url.pathname.startsWith("/interaction/"));
  expect(await page.getByLabel("Email address").evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(false);
});

test("cancelling at the identity provider comes back to sign-in with a message", async ({ page }) => {
  await page.goto("/signin?callbackUrl=/account");
  await openLocalProvider(page);
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL(/\/signin\?/);
  // By test id: Next's route announcer is an (empty) role=alert element too.
  const error = page.getByTestId("signin-error");
  await expect(error).toHaveText("The identity provider did not complete the sign-in. Try again.");
  await expect(error).toHaveAttribute("role", "alert");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

test("the whole sign-in runs under both sites' Content-Security-Policy, with nothing blocked", async ({ page }) => {
  const blocked: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/.test(msg.text())) blocked.push(msg.text());
  });
  const email = newEmail("csp");
  await signIn(page, email, "/account");
  await expect(page.getByTestId("account-email")).toHaveText(email);
  expect(blocked).toEqual([]);
});

test("the bench's sign-in over plain HTTP (no browser) runs the same code flow and gets a session", async () => {
  const appUrl = process.env.E2E_APP_URL!;
  const email = newEmail("http");
  const cookie = await signInOverHttp(appUrl, email);
  const account = await fetch(`${appUrl}/account`, { headers: { cookie }, redirect: "manual" });
  expect(account.status).toBe(200);
  expect(await account.text()).toContain(email);
});
