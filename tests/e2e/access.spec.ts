import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { PRO_PRODUCT_ID } from "../../scripts/lib/polar-payloads";
import { emulatorUrl, newEmail, signIn } from "./helpers";

/** The REST calls the app made to the emulator (its request log), optionally under one path. */
async function polarCalls(prefix = "/v1/"): Promise<number> {
  const log = (await (await fetch(`${emulatorUrl}/admin/requests.json`)).json()) as { requests: Array<{ path: string }> };
  return log.requests.filter((r) => r.path.startsWith(prefix)).length;
}

/** Opens a Polar checkout of Pro for the signed-in user and leaves it unpaid; returns its id. */
async function openUnpaidCheckout(page: Page): Promise<string> {
  await page.goto("/pricing");
  await page.getByRole("button", { name: "Upgrade to Pro", exact: true }).click();
  await page.waitForURL((url) => url.origin === emulatorUrl);
  const log = (await (await fetch(`${emulatorUrl}/admin/requests.json`)).json()) as { requests: Array<{ method: string; path: string }> };
  expect(log.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1/checkouts/" });
  const res = (await (await fetch(`${emulatorUrl}/admin/deliveries.json`)).json()) as { deliveries: Array<{ type: string; body: string }> };
  const created = res.deliveries.filter((d) => d.type === "checkout.created").at(-1);
  return (JSON.parse(created!.body) as { data: { id: string } }).data.id;
}

async function loadAll(request: APIRequestContext, paths: string[], concurrency = 10): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const res = await request.get(paths[next++]!);
        expect(res.status()).toBe(200);
      }
    }),
  );
}

test.describe("the Pro-only API (requirePlan)", () => {
  test("answers 401 signed out, 403 on Free", async ({ page, request }) => {
    const signedOut = await request.get("/api/pro/report");
    expect(signedOut.status()).toBe(401);
    expect(await signedOut.json()).toEqual({ error: "sign in first" });
    await signIn(page, newEmail("free-api"), "/account");
    const free = await page.request.get("/api/pro/report");
    expect(free.status()).toBe(403);
    expect(await free.json()).toEqual({ error: "this needs the Pro plan" });
  });
});

test.describe("the confirmation page spends no Polar rate limit", () => {
  test("200 made-up checkout ids from a user who opened no checkout: 0 Polar calls", async ({ page }) => {
    await signIn(page, newEmail("flood"), "/account");
    const before = await polarCalls();
    await loadAll(page.request, Array.from({ length: 200 }, () => `/confirmation?checkout_id=${randomUUID()}`));
    expect(await polarCalls()).toBe(before);
    await page.goto(`/confirmation?checkout_id=${randomUUID()}`);
    await expect(page.getByRole("heading", { name: "Checkout not found" })).toBeVisible();
  });

  test("made-up ids from a user who did open a checkout: at most one Polar call per 10 s", async ({ page }) => {
    await signIn(page, newEmail("flood-buyer"), "/pricing");
    await openUnpaidCheckout(page);
    const before = await polarCalls();
    await loadAll(page.request, Array.from({ length: 100 }, () => `/confirmation?checkout_id=${randomUUID()}`));
    expect(await polarCalls()).toBeLessThanOrEqual(before + 1);
  });

  test("20 tabs refreshing one pending checkout for 8 s: one Polar call; 10 s later, one more", async ({ page }) => {
    await signIn(page, newEmail("tabs"), "/pricing");
    const checkoutId = await openUnpaidCheckout(page);
    const path = `/confirmation?checkout_id=${checkoutId}`;
    const calls = () => polarCalls(`/v1/checkouts/${checkoutId}`);
    expect(await calls()).toBe(0);
    // Each round is 20 tabs refreshing at once, every 2 s, as the pending page does.
    for (let round = 0; round < 5; round++) {
      const started = Date.now();
      await loadAll(page.request, Array.from({ length: 20 }, () => path), 20);
      expect(await calls()).toBe(1);
      await page.waitForTimeout(Math.max(0, 2_000 - (Date.now() - started)));
    }
    await page.waitForTimeout(10_000);
    await loadAll(page.request, Array.from({ length: 20 }, () => path), 20);
    expect(await calls()).toBe(2);
  });

  test("a pending page stops refreshing after 2 minutes and says the payment is still processing", async ({ page }) => {
    await signIn(page, newEmail("slow"), "/pricing");
    const checkoutId = await openUnpaidCheckout(page);
    await page.clock.install();
    await page.goto(`/confirmation?checkout_id=${checkoutId}`);
    await expect(page.getByRole("heading", { name: "Finishing your payment…" })).toBeVisible();
    await expect(page.getByTestId("still-processing")).toHaveCount(0);
    await page.clock.fastForward("02:01");
    await expect(page.getByTestId("still-processing")).toContainText("Still processing");
    // No refresh runs any more: a minute more of page time sends no request to the app.
    let requests = 0;
    page.on("request", (r) => {
      if (r.url().includes("/confirmation")) requests++;
    });
    await page.clock.fastForward("01:00");
    await page.waitForTimeout(500);
    expect(requests).toBe(0);
    await page.getByRole("button", { name: "Check again" }).click();
    await expect.poll(() => requests).toBeGreaterThan(0);
  });
});

test.describe("a checkout continues after sign-in only when it was started here", () => {
  test("a link to /pricing?checkout=<id> from elsewhere opens no checkout by itself", async ({ page }) => {
    await signIn(page, newEmail("lured"), "/account");
    for (const url of [`/pricing?checkout=${PRO_PRODUCT_ID}`, `/pricing?checkout=${PRO_PRODUCT_ID}&intent=guessed-marker`]) {
      const before = await polarCalls("/v1/checkouts");
      await page.goto(url);
      await expect(page.getByRole("button", { name: "Upgrade to Pro", exact: true })).toBeEnabled();
      await page.waitForTimeout(2_000);
      expect(new URL(page.url()).pathname).toBe("/pricing");
      expect(await polarCalls("/v1/checkouts")).toBe(before);
    }
  });
});
