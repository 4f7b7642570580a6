import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApplyScheduler } from "@/lib/webhooks/apply-scheduler";

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

/** Asks for `n` turns; `started` lists the ones granted so far, in order. */
function ask(s: ApplyScheduler, n: number) {
  const started: number[] = [];
  const done: Array<() => void> = [];
  for (let i = 0; i < n; i++) void s.turn().then((release) => ((started.push(i), (done[i] = release))));
  return { started, done };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe("ApplyScheduler: answers first, the backlog after", () => {
  const options = { idleConcurrency: 4, busyGapMs: 40, quietAfterMs: 100 };

  it("with no delivery being answered, runs up to idleConcurrency at once", async () => {
    const s = new ApplyScheduler(options);
    const { started, done } = ask(s, 6);
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    done[0]!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("while a delivery is being answered, one at a time and at most one start per busyGapMs", async () => {
    const s = new ApplyScheduler(options);
    s.answeringStarted();
    const { started, done } = ask(s, 3);
    await settle();
    expect(started).toEqual([0]);
    done[0]!();
    await settle();
    // Done at once, yet the next waits out the gap since the last start.
    expect(started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(40);
    expect(started).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(100);
    // Still one at a time: 1 has not finished.
    expect(started).toEqual([0, 1]);
    done[1]!();
    await settle();
    expect(started).toEqual([0, 1, 2]);
  });

  it("goes back to full speed quietAfterMs after the last answer, and not before", async () => {
    const s = new ApplyScheduler(options);
    s.answeringStarted();
    const { started } = ask(s, 5);
    await settle();
    s.answeringEnded();
    await vi.advanceTimersByTimeAsync(60);
    expect(started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(60);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("a new delivery while the backlog drains slows it down again", async () => {
    const s = new ApplyScheduler(options);
    const { started, done } = ask(s, 6);
    await settle();
    expect(started).toHaveLength(4);
    s.answeringStarted();
    for (const release of done.slice(0, 4)) release();
    await settle();
    expect(started).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(40);
    expect(started).toHaveLength(5);
    expect(s.waiting).toBe(1);
  });
});
