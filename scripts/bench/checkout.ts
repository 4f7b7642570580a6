import { percentile } from "../lib/percentile";
import { signIn } from "./session";

/**
 * The Upgrade button, timed from the submit to the redirect response. Posted the way a browser
 * without JavaScript posts the form (the server action's progressive enhancement), so the
 * figure holds the action and nothing of a browser's own.
 */

export interface UpgradeForm { fields: Array<[string, string]> }

/** The hidden fields of the pricing page's form for `productId` (action id, bound state, product). */
export function upgradeFormFor(html: string, productId: string): UpgradeForm {
  for (const form of html.match(/<form[\s\S]*?<\/form>/g) ?? []) {
    if (!form.includes(`value="${productId}"`)) continue;
    const fields: Array<[string, string]> = [];
    for (const input of form.match(/<input[^>]*>/g) ?? []) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      if (!name) continue;
      fields.push([decode(name), decode(/value="([^"]*)"/.exec(input)?.[1] ?? "")]);
    }
    return { fields };
  }
  throw new Error(`no Upgrade form for ${productId} on /pricing`);
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Submits the Upgrade form once; returns the milliseconds to the redirect response and where it points. */
export async function submitUpgrade(baseUrl: string, cookie: string, form: UpgradeForm): Promise<{ ms: number; location: string }> {
  const body = new FormData();
  for (const [k, v] of form.fields) body.append(k, v);
  const started = performance.now();
  const res = await fetch(`${baseUrl}/pricing`, { method: "POST", redirect: "manual", headers: { cookie, origin: baseUrl }, body });
  await res.arrayBuffer();
  const ms = performance.now() - started;
  const location = res.headers.get("location") ?? "";
  if (res.status !== 303 || !location) throw new Error(`Upgrade answered ${res.status} without a redirect`);
  return { ms, location };
}

export interface CheckoutTiming { runs: number; actionP50: number; actionP99: number; polarP50: number; polarP99: number; overheadP50: number; overheadP99: number }

/**
 * How long after the API call the emulator delivers a webhook here. Polar sends webhooks from its
 * worker queue once the API call's transaction has committed (server/polar/webhook/service.py
 * enqueues `webhook_event.send`), never within the call; the emulator delivers at once, which put
 * the click's own checkout.created delivery, and its apply, inside the click's timing.
 */
export const CHECKOUT_DELIVERY_DELAY_MS = 200;

/**
 * `runs` upgrades by `runs` different users (one user's second click within a minute reuses
 * the first checkout, which would flatter the figure), then the emulator's own time for the
 * same `POST /v1/checkouts/`, measured directly, subtracted. The emulator's deliveries come
 * CHECKOUT_DELIVERY_DELAY_MS after the call, and each click's are delivered and applied before the
 * next click, so a click is timed alone.
 */
interface CheckoutRuns { baseUrl: string; polarApiUrl: string; polarToken: string; productId: string; runs: number; runId: string }

/** Waits out one call's deliveries (CHECKOUT_DELIVERY_DELAY_MS) and their apply, so the next call is timed alone. */
const settle = () => new Promise((r) => setTimeout(r, CHECKOUT_DELIVERY_DELAY_MS + 150));

export async function timeCheckouts(opts: CheckoutRuns): Promise<CheckoutTiming> {
  await setDeliveryDelay(opts.polarApiUrl, CHECKOUT_DELIVERY_DELAY_MS);
  try {
    return await timeEach(opts);
  } finally {
    await setDeliveryDelay(opts.polarApiUrl, 0);
  }
}

async function setDeliveryDelay(polarApiUrl: string, delayMs: number): Promise<void> {
  const res = await fetch(`${polarApiUrl}/admin/settings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ delayMs }) });
  if (!res.ok) throw new Error(`emulator POST /admin/settings answered ${res.status}`);
}

async function timeEach(opts: CheckoutRuns): Promise<CheckoutTiming> {
  const action: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const cookie = await signIn(opts.baseUrl, `bench-${opts.runId}-${i}@example.com`);
    const page = await fetch(`${opts.baseUrl}/pricing`, { headers: { cookie } });
    const form = upgradeFormFor(await page.text(), opts.productId);
    const { ms, location } = await submitUpgrade(opts.baseUrl, cookie, form);
    if (!location.startsWith(opts.polarApiUrl)) throw new Error(`Upgrade redirected to ${location}, not to Polar's checkout`);
    action.push(ms);
    await settle();
  }
  const polar: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const started = performance.now();
    await createEmulatorCheckout(opts, `bench-direct-${opts.runId}-${i}@example.com`);
    polar.push(performance.now() - started);
    // Timed alone too: the app applying the last call's deliveries would slow the emulator's answer.
    await settle();
  }
  const a = [...action].sort((x, y) => x - y);
  const p = [...polar].sort((x, y) => x - y);
  const [actionP50, actionP99, polarP50, polarP99] = [percentile(a, 50), percentile(a, 99), percentile(p, 50), percentile(p, 99)];
  return { runs: opts.runs, actionP50, actionP99, polarP50, polarP99, overheadP50: actionP50 - polarP50, overheadP99: actionP99 - polarP99 };
}

/** `POST /v1/checkouts/` straight at the emulator, with the parameters the Upgrade action sends. */
export async function createEmulatorCheckout(
  opts: { baseUrl: string; polarApiUrl: string; polarToken: string; productId: string },
  email: string,
): Promise<{ id: string; url: string }> {
  const res = await fetch(`${opts.polarApiUrl}/v1/checkouts/`, {
    method: "POST",
    headers: { authorization: `Bearer ${opts.polarToken}`, "content-type": "application/json" },
    body: JSON.stringify({ products: [opts.productId], external_customer_id: email, customer_email: email, success_url: `${opts.baseUrl}/confirmation?checkout_id={CHECKOUT_ID}` }),
  });
  if (!res.ok) throw new Error(`emulator POST /v1/checkouts/ answered ${res.status}`);
  return (await res.json()) as { id: string; url: string };
}
