import { PolarCore } from "@polar-sh/sdk/core.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { subscriptionsUpdate } from "@polar-sh/sdk/funcs/subscriptionsUpdate.js";
import type { Subscription } from "@polar-sh/sdk/models/components/subscription";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import { expect } from "vitest";
import { sdkParse, settled, TOKEN, waitFor, type Harness, type Received } from "./harness";

/**
 * The subscription API as an app calls it (a `PolarCore` and the SDK's standalone functions),
 * and the events each call causes: what the subscription tests share.
 */
export const coreClient = (h: Harness): PolarCore => new PolarCore({ accessToken: TOKEN, serverURL: h.emulator.url });

export const types = (events: Received[]) => events.map((e) => e.type);

/** Each payload parses with the pinned SDK (harness.ts's sdkParse). */
export function expectParsable(events: Received[]): void {
  for (const e of events) expect(sdkParse(e).type).toBe(e.type);
}

/** Runs `act` and answers what it gave and the `count` events it caused (and no more). */
export async function eventsOf<T>(h: Harness, count: number, act: () => Promise<T>): Promise<{ result: T; events: Received[] }> {
  await settled(h);
  const from = h.receiver.received.length;
  const result = await act();
  await waitFor(`${count} events`, () => h.receiver.received.length >= from + count);
  await new Promise((r) => setTimeout(r, 60)); // nothing more than expected should follow
  return { result, events: h.receiver.received.slice(from) };
}

export async function updateSubscription(polar: PolarCore, id: string, change: SubscriptionUpdate): Promise<Subscription> {
  return unwrap(await subscriptionsUpdate(polar, { id, subscriptionUpdate: change }));
}

/** The SDK's error for a change the emulator must refuse; throws if it was accepted. */
export async function refusedUpdate(polar: PolarCore, id: string, change: SubscriptionUpdate): Promise<unknown> {
  const result = await subscriptionsUpdate(polar, { id, subscriptionUpdate: change });
  if (result.ok) throw new Error(`expected ${JSON.stringify(change)} to be refused`);
  return result.error;
}

export const getSubscription = async (polar: PolarCore, id: string) => unwrap(await subscriptionsGet(polar, { id }));
