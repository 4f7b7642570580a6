import { waitFor, type Harness } from "polar-emulator/testing";

/**
 * What the harness's Polar emulator sent, delivered to the app's webhook path in order (each
 * applied behind its answer, as the route does), for integration tests that act at Polar.
 */
export function deliveriesOf(h: Harness, settleMs = 0) {
  async function deliverSince(from: number): Promise<void> {
    const { receiveWebhook } = await import("@/lib/webhooks/receive");
    for (const r of h.receiver.received.slice(from)) {
      const res = await receiveWebhook(r.body, r.headers, process.env.POLAR_WEBHOOK_SECRET!);
      await res.afterAnswer?.();
    }
  }

  /** Runs `act`, waits for the emulator's `lastType` after it (and `settleMs` for the rest of the burst), delivers everything it sent. */
  async function andDeliver<T>(lastType: string, act: () => Promise<T>): Promise<T> {
    const from = h.receiver.received.length;
    const result = await act();
    await waitFor(lastType, () => h.receiver.received.slice(from).some((r) => r.type === lastType));
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    await deliverSince(from);
    return result;
  }

  return { deliverSince, andDeliver };
}
