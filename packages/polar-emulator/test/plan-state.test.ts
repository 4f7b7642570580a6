import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolarCore } from "@polar-sh/sdk/core.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { subscriptionsUpdate } from "@polar-sh/sdk/funcs/subscriptionsUpdate.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StateFileContent } from "../src/persistence";
import { admin, BUSINESS_MONTHLY_ID, PRO_MONTHLY_ID, startHarness, subscribe, TOKEN, type Harness } from "./harness";

/**
 * A plan change's state in the state file: the pending update, the scheduled pause, the
 * cancellation reason, deferred prorations, the customer's balance and decline switch and an
 * order's lines survive a restart; a file written before they existed restores with defaults.
 */

const DAY = 86_400_000;
let dir: string;
let stateFile: string;
let running: Harness | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "polar-emulator-plan-state-"));
  stateFile = join(dir, "state.json");
});
afterEach(async () => {
  await running?.stop();
  running = null;
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ h: Harness; core: PolarCore }> {
  running = await startHarness({ stateFile });
  return { h: running, core: new PolarCore({ accessToken: TOKEN, serverURL: running.emulator.url }) };
}
async function restart(): Promise<{ h: Harness; core: PolarCore }> {
  await running?.stop();
  return start();
}
const update = async (core: PolarCore, id: string, change: SubscriptionUpdate) => unwrap(await subscriptionsUpdate(core, { id, subscriptionUpdate: change }));
const get = async (core: PolarCore, id: string) => unwrap(await subscriptionsGet(core, { id }));

describe("the state file", () => {
  it("keeps what a plan change leaves behind across a restart", async () => {
    let { h, core } = await start();
    const scheduled = await subscribe(h, "state-scheduled@example.com", PRO_MONTHLY_ID);
    const sub = await update(core, scheduled, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "next_period" });
    const resumesAt = new Date(sub.currentPeriodEnd.getTime() + 7 * DAY);
    await update(core, scheduled, { pauseAtPeriodEnd: true, resumesAt });
    const credited = await subscribe(h, "state-credited@example.com", BUSINESS_MONTHLY_ID);
    await update(core, credited, { productId: PRO_MONTHLY_ID });
    await update(core, credited, { cancelAtPeriodEnd: true, customerCancellationReason: "too_expensive" });
    await update(core, credited, { cancelAtPeriodEnd: false });
    await update(core, credited, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "prorate" });
    const customer = (await get(core, credited)).customerId;
    await admin(h.emulator.url, `/admin/customers/${customer}/decline-next-charge`, {});
    const before = {
      scheduled: await get(core, scheduled),
      credited: await get(core, credited),
      customer: await (await admin(h.emulator.url, `/admin/customers/${customer}`)).json(),
      orders: (await h.polar.orders.list({ subscriptionId: credited })).result.items,
    };
    expect(before.customer).toMatchObject({ declineNextCharge: true, balances: { usd: expect.any(Number) } });

    ({ h, core } = await restart());
    expect(await get(core, scheduled)).toEqual(before.scheduled);
    expect(await get(core, credited)).toEqual(before.credited);
    expect(await (await admin(h.emulator.url, `/admin/customers/${customer}`)).json()).toEqual(before.customer);
    expect((await h.polar.orders.list({ subscriptionId: credited })).result.items).toEqual(before.orders);
    expect(before.scheduled).toMatchObject({ pauseAtPeriodEnd: true, resumesAt, pendingUpdate: { productId: BUSINESS_MONTHLY_ID } });

    // The `prorate` change's lines were kept too: the renewal bills them.
    const renewal = await admin(h.emulator.url, `/admin/subscriptions/${credited}/renew`, {});
    expect(renewal.status).toBe(200);
    const [latest] = (await h.polar.orders.list({ subscriptionId: credited })).result.items;
    expect(latest?.items.filter((i) => i.proration)).toHaveLength(2);
  });

  it("written before plan changes existed, it restores with nothing pending, no pause, no credit, the old anchor", async () => {
    let { h, core } = await start();
    const id = await subscribe(h, "state-old@example.com", PRO_MONTHLY_ID);
    const before = await get(core, id);
    await running?.stop();
    running = null;

    // Strip every field this change added, as an older emulator wrote the file.
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as StateFileContent;
    const strip = (record: object, keys: string[]) => {
      for (const k of keys) delete (record as Record<string, unknown>)[k];
    };
    for (const s of state.store.subscriptions) {
      strip(s, ["anchorDay", "customerCancellationReason", "customerCancellationComment", "pauseAtPeriodEnd", "pausedAt", "resumesAt", "pendingUpdate", "pendingProrations"]);
    }
    for (const c of state.store.customers) strip(c, ["balances", "declineNextCharge"]);
    for (const o of state.store.orders) strip(o, ["items", "appliedBalanceAmount"]);
    writeFileSync(stateFile, JSON.stringify(state));

    ({ h, core } = await start());
    expect(await get(core, id)).toEqual(before);
    expect(await (await admin(h.emulator.url, `/admin/customers/${before.customerId}`)).json()).toMatchObject({ declineNextCharge: false, balances: {} });
    // It renews on its old anchor (the day it started) and takes a plan change.
    const renewed = await admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {});
    expect(((await renewed.json()) as { current_period_start: string }).current_period_start).toBe(before.currentPeriodEnd.toISOString());
    expect((await update(core, id, { productId: BUSINESS_MONTHLY_ID })).productId).toBe(BUSINESS_MONTHLY_ID);
  });
});
