import { expect, type Page } from "@playwright/test";

export const emulatorUrl = process.env.E2E_EMULATOR_URL ?? "http://127.0.0.1:7200";
export const oidcIssuer = process.env.E2E_OIDC_ISSUER ?? "http://127.0.0.1:7201";
export const LOCAL_PROVIDER_BUTTON = "Continue with Local identity provider (development)";

/** A fresh address per test, so tests never share a user. */
export function newEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** On the app's sign-in page: leaves for the local identity provider and waits for its form. */
export async function openLocalProvider(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByRole("button", { name: LOCAL_PROVIDER_BUTTON }).click();
  await page.waitForURL((url) => url.origin === oidcIssuer && url.pathname.startsWith("/interaction/"));
}

/**
 * Signs in through the local OpenID Connect provider (the real code flow, in the browser), from
 * whatever page asked for it; the app then sends the browser on to its callbackUrl.
 */
export async function signInOnPage(page: Page, email: string, person = ""): Promise<void> {
  await openLocalProvider(page);
  await page.getByLabel("Email address").fill(email);
  if (person) await page.getByLabel(/Another person with this email/).fill(person);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.origin !== oidcIssuer);
}

export async function signIn(page: Page, email: string, callbackUrl = "/account"): Promise<void> {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await signInOnPage(page, email);
  await page.waitForURL((url) => url.pathname === callbackUrl.split("?")[0]);
}

/**
 * A new user signs in and buys `product` from /pricing through the emulator's hosted checkout,
 * landing on the confirmation page of `tier`.
 */
export async function buyPlan(page: Page, email: string, product: string, tier: string): Promise<void> {
  await signIn(page, email, "/pricing");
  await page.getByRole("button", { name: `Upgrade to ${product}`, exact: true }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Pay" }).click();
  await page.waitForURL(/\/confirmation\?checkout_id=/);
  await expect(page.getByRole("heading", { name: `You're on ${tier}` })).toBeVisible();
}

/** Reloads the page until `check` passes (webhooks are applied shortly after delivery). */
export async function untilReloaded(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 20_000 });
}
