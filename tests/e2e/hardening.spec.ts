import { expect, test } from "@playwright/test";
import { freePort } from "../../scripts/lib/ports";
import { filesUnder, SERVER_SECRET_NAMES, secretsInFiles } from "../../scripts/lib/secret-scan";
import { LOCAL_PROVIDER_BUTTON } from "./helpers";
import { buildSentinels } from "./sentinels";

test.describe("webhook endpoint over HTTP (production server)", () => {
  test("a body over 1 MB is refused with 413", async ({ request }) => {
    const res = await request.post("/api/webhooks/polar", {
      data: JSON.stringify({ type: "checkout.created", data: { pad: "x".repeat(1024 * 1024 + 10) } }),
      headers: { "content-type": "application/json", "webhook-id": "msg_big", "webhook-timestamp": "1", "webhook-signature": "v1,x" },
    });
    expect(res.status()).toBe(413);
    expect(await res.json()).toEqual({ ok: false, error: "body larger than 1 MB" });
  });

  test("GET and PUT are refused with 405", async ({ request }) => {
    expect((await request.get("/api/webhooks/polar")).status()).toBe(405);
    expect((await request.put("/api/webhooks/polar", { data: "{}" })).status()).toBe(405);
  });

  test("an unsigned delivery is refused with 403 and a body that leaks nothing", async ({ request }) => {
    const res = await request.post("/api/webhooks/polar", { data: { type: "order.paid", data: {} } });
    expect(res.status()).toBe(403);
    const text = await res.text();
    expect(text).toBe(JSON.stringify({ ok: false, error: "invalid signature" }));
  });
});

test.describe("security headers", () => {
  test("every page carries a nonce CSP and the static headers, and works under it", async ({ page }) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    const res = await page.goto("/pricing");
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    // The page hydrated under the policy: the client-side sign-in link works, nothing was blocked.
    await page.getByRole("link", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: LOCAL_PROVIDER_BUTTON })).toBeVisible();
    expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
  });

  test("every production response, pages and API alike, carries HSTS, COOP and CORP (not only on Vercel)", async ({ request }) => {
    for (const path of ["/", "/pricing", "/api/health", "/api/pro/report"]) {
      const headers = (await request.get(path, { maxRedirects: 0 })).headers();
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["strict-transport-security"], path).toBe("max-age=63072000; includeSubDomains");
      expect(headers["cross-origin-opener-policy"], path).toBe("same-origin");
      expect(headers["cross-origin-resource-policy"], path).toBe("same-origin");
    }
  });
});

test("no server secret reaches any client bundle", () => {
  const files = filesUnder(".next/static");
  expect(files.length).toBeGreaterThan(5);
  expect(secretsInFiles(files, { values: buildSentinels, names: SERVER_SECRET_NAMES }, ".next")).toEqual([]);
});

/**
 * `next start` of the production build with exactly this environment (nothing inherited but PATH
 * and HOME): off Vercel, as a self-hosted deployment would run it.
 */
async function productionServer(env: Record<string, string>) {
  const { spawn } = await import("node:child_process");
  const port = await freePort();
  const child = spawn("node_modules/.bin/next", ["start", "-p", String(port)], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      MONGODB_URI: "mongodb://127.0.0.1:1/never",
      POLAR_ACCESS_TOKEN: "polar_oat_x",
      POLAR_WEBHOOK_SECRET: "whsec_hardening_test_0123456789",
      NEXTAUTH_SECRET: "y".repeat(40),
      CRON_SECRET: "hardening-cron-secret-0123456789",
      ...env,
    },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    /** The exit code, or null if it was still running after `ms` (then it is killed). */
    async exitCode(ms: number): Promise<number | null> {
      const timer = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
      const code = await Promise.race([exited, timer]);
      if (code === null) child.kill("SIGKILL");
      return code;
    },
    stop: () => child.kill("SIGTERM"),
  };
}

const PUBLIC_APP = { APP_URL: "https://billing.example.com" };

test("a production server with Google sign-in offers Google and nothing else (no passwordless provider)", async () => {
  const server = await productionServer({ ...PUBLIC_APP, AUTH_GOOGLE_ID: "google-client-id", AUTH_GOOGLE_SECRET: "google-client-secret" });
  try {
    const providersUrl = `${server.url}/api/auth/providers`;
    await expect.poll(async () => (await fetch(providersUrl).catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);
    const providers = (await (await fetch(providersUrl)).json()) as Record<string, { id: string; type: string }>;
    expect(Object.values(providers).map((p) => [p.id, p.type])).toEqual([["google", "oauth"]]);
  } finally {
    server.stop();
  }
});

test("the production server refuses to start with the local identity provider and a public APP_URL, naming the variables", async () => {
  const server = await productionServer({
    ...PUBLIC_APP,
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:7400",
    AUTH_LOCAL_OIDC_ID: "acme-local",
    AUTH_LOCAL_OIDC_SECRET: "l".repeat(40),
  });
  expect(await server.exitCode(30_000)).toBe(1);
  expect(server.output()).toContain(
    "AUTH_LOCAL_OIDC_ISSUER is set while APP_URL=https://billing.example.com is not a loopback address: the local identity provider signs in any email without a password and is for development on this machine only.",
  );
});

test("a server action posted from another origin is refused (Next's origin check is kept)", async ({ page }) => {
  const { newEmail, signIn } = await import("./helpers");
  await signIn(page, newEmail("csrf"), "/pricing");
  let actionStatus = 0;
  // The same Upgrade request a forged cross-site form would send: only its Origin differs.
  await page.route("**/pricing", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const response = await route.fetch({ headers: { ...route.request().headers(), origin: "https://evil.example" } });
    actionStatus = response.status();
    await route.fulfill({ response });
  });
  await page.getByRole("button", { name: "Upgrade to Pro", exact: true }).click();
  await expect.poll(() => actionStatus).toBeGreaterThanOrEqual(400);
  expect(page.url()).toContain("/pricing");
});
