import type { Polar } from "@polar-sh/sdk";
import { createCheckout, pay } from "polar-emulator/testing";
import { signIn } from "../bench/session";

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A signed-in subscriber of `productId` at the emulator whose reports benefit the app holds, for
 * the usage chaos run and bench: signs in through the local identity provider, pays the emulator's
 * checkout, and waits for the app to have applied the grants. Returns the session's cookie header.
 */
export async function reportSubscriber(appUrl: string, polar: Polar, email: string, productId: string): Promise<string> {
  // The catalogue (which tier ranks where) is synced from Polar when /pricing is first shown.
  await (await fetch(`${appUrl}/pricing`)).arrayBuffer();
  const cookie = await signIn(appUrl, email);
  await pay((await createCheckout(polar, email, productId)).url);
  await until(`${email}'s reports benefit`, async () => {
    const res = await fetch(`${appUrl}/api/pro/report`, { headers: { cookie } });
    return res.ok && ((await res.json()) as { reports: { allowed: boolean } }).reports.allowed;
  });
  return cookie;
}
