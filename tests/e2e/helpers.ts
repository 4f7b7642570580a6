import { expect, type Page } from "@playwright/test";

export const emulatorUrl = process.env.E2E_EMULATOR_URL ?? "http://127.0.0.1:7200";

/** A fresh address per test, so tests never share a user. */
export function newEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Signs in with the local email sign-in, from whatever page asked for it. */
export async function signInOnPage(page: Page, email: string): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Sign in with email" }).click();
}

export async function signIn(page: Page, email: string, callbackUrl = "/account"): Promise<void> {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await signInOnPage(page, email);
  await page.waitForURL((url) => url.pathname === callbackUrl.split("?")[0]);
}
