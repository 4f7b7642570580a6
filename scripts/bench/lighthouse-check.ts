import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureBuild, startAppServer } from "../lib/app-server";
import { ensureChromium } from "../lib/chromium";
import { ensureFerretdb } from "../lib/ferretdb";
import { PRO_PRODUCT_ID } from "../lib/polar-payloads";
import { freePort } from "../lib/ports";
import { startLocalStack, type LocalStack } from "../lib/services";
import { parseFirstLoadJs } from "./first-load";
import { lighthouseScores, type PageToScore } from "./lighthouse";

/**
 * The pages part of the benchmark on its own:
 *   npx tsx scripts/bench/lighthouse-check.ts [--build] [--runs N] [--paid]
 * Starts FerretDB, the Polar emulator and `next start` (production build; `--build` rebuilds it
 * and prints each route's First Load JS), signs a user in, opens a checkout for the confirmation
 * page, prints the Lighthouse scores of /, /pricing, /confirmation, /account, and stops it all.
 * `--runs N` (default 3) scores every page N times and reports its median run (2 shared cores).
 * `--paid` pays the checkout first: the pages are then a Pro user's ("You're on Pro", no Upgrade).
 * LIGHTHOUSE_REPORT_DIR=dir keeps every run's full result.
 */

const arg = (name: string) => process.argv.indexOf(name);
const runs = arg("--runs") >= 0 ? Number(process.argv[arg("--runs") + 1]) : 3;
const log = (line: string) => console.log(`[lighthouse-check] ${line}`);
const EMAIL = "lighthouse@example.com";

async function main(): Promise<void> {
  ensureFerretdb(log);
  ensureChromium(log);
  if (arg("--build") >= 0) {
    log("next build...");
    const build = spawnSync("node_modules/.bin/next", ["build"], { encoding: "utf8", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, maxBuffer: 64 * 1024 * 1024 });
    if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
    for (const [route, kb] of parseFirstLoadJs(build.stdout)) {
      if (["/", "/pricing", "/confirmation", "/account"].includes(route)) log(`First Load JS ${route}: ${kb} kB${route === "/pricing" ? " (target <= 110 kB)" : ""}`);
    }
  } else {
    ensureBuild();
  }

  const dataDir = join(".data", "lighthouse");
  rmSync(dataDir, { recursive: true, force: true });
  const [appPort, ferretdbPort, emulatorPort] = [await freePort(), await freePort(), await freePort()];
  const stack: LocalStack = await startLocalStack({ dataDir, appPort, ferretdbPort, emulatorPort, dbName: "lighthouse", env: { APP_URL: `http://localhost:${appPort}` }, log });
  let app: Awaited<ReturnType<typeof startAppServer>> | undefined;
  try {
    app = await startAppServer(appPort, stack.env, { quiet: true });
    const cookie = await signIn(app.url, EMAIL);
    const checkout = await openCheckout(stack.env, app.url, EMAIL);
    if (arg("--paid") >= 0) await pay(checkout.url, EMAIL);
    const checkoutId = checkout.id;
    // The header shows the email only to a signed-in visitor: /pricing renders signed out too.
    const signedIn = { cookie, mustContain: `data-testid="signed-in-as">${EMAIL}<` };
    const pages: PageToScore[] = [{ path: "/", mustContain: "You are not signed in." }, { path: "/pricing", ...signedIn }, { path: `/confirmation?checkout_id=${checkoutId}`, ...signedIn }, { path: "/account", ...signedIn }];
    // Warm each route once (first render compiles nothing in production, but fills Mongoose's connection and the product sync).
    for (const p of pages) await (await fetch(new URL(p.path, app.url), { headers: p.cookie ? { cookie: p.cookie } : {} })).arrayBuffer();

    log(`Lighthouse, ${runs} run(s) of each page; each line is the page's median run`);
    const scores = await lighthouseScores(app.url, pages, { runs, reportDir: process.env.LIGHTHOUSE_REPORT_DIR });
    for (const s of scores) {
      const met = s.performance >= 98 && s.accessibility === 100 && s.bestPractices === 100;
      const pad = (n: number) => String(n).padStart(3);
      console.log(`${s.path.split("?")[0]!.padEnd(14)} performance ${pad(s.performance)}  accessibility ${pad(s.accessibility)}  best-practices ${pad(s.bestPractices)}  ${met ? "met   " : "MISSED"}  (performance runs: ${s.performanceRuns?.join(" ")}; JS loaded ${s.scriptKb} kB)`);
      console.log(`${"".padEnd(14)} below 1: ${s.failedAudits.join(", ") || "none"}`);
    }
  } finally {
    await app?.stop();
    await stack.stop();
  }
}

/** next-auth's local email sign-in over HTTP (csrf, then the Credentials callback); returns the Cookie header. */
async function signIn(baseUrl: string, email: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${baseUrl}/api/auth/callback/local`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, json: "true" }),
  });
  keep(res);
  const session = [...jar].find(([k]) => k.endsWith("next-auth.session-token"));
  if (!session) throw new Error(`sign-in of ${email} failed: ${res.status}`);
  // Only the session cookie: the csrf and callback-url cookies are the sign-in form's business.
  return `${session[0]}=${session[1]}`;
}

/** A checkout for the Pro product, opened at the emulator with the parameters the Upgrade action uses; left unpaid. */
async function openCheckout(env: Record<string, string>, appUrl: string, email: string): Promise<{ id: string; url: string }> {
  const res = await fetch(`${env.POLAR_API_URL}/v1/checkouts/`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.POLAR_ACCESS_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ products: [PRO_PRODUCT_ID], external_customer_id: email, customer_email: email, success_url: `${appUrl}/confirmation?checkout_id={CHECKOUT_ID}` }),
  });
  if (!res.ok) throw new Error(`emulator POST /v1/checkouts/ answered ${res.status}`);
  return (await res.json()) as { id: string; url: string };
}

/** Pays on the emulator's hosted checkout page with a card that succeeds; it answers once the webhooks are in. */
async function pay(checkoutUrl: string, email: string): Promise<void> {
  const res = await fetch(checkoutUrl, { method: "POST", redirect: "manual", body: new URLSearchParams({ card_number: "4242 4242 4242 4242", email }) });
  if (res.status !== 303) throw new Error(`paying at ${checkoutUrl} answered ${res.status}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
