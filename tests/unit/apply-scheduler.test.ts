import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApplyScheduler } from "@/lib/webhooks/apply-scheduler";

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

const options = { idleConcurrency: 4, steadyConcurrency: 2, busyRate: 5, busyGapMs: 1_000, steadyGapMs: 40, quietAfterMs: 100 };

/** Asks for `n` turns; `started` lists the ones granted so far, in order. */
function ask(s: ApplyScheduler, n: number) {
  const started: number[] = [];
  const done: Array<() => void> = [];
  for (let i = 0; i < n; i++) void s.turn().then((release) => ((started.push(i), (done[i] = release))));
  return { started, done };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

/** One delivery answered (started and ended). */
function answer(s: ApplyScheduler): void {
  s.answeringStarted();
  s.answeringEnded();
}

describe("ApplyScheduler: answers first, the backlog after", () => {
  it("quiet (nothing answered for a while): up to idleConcurrency at once", async () => {
    const s = new ApplyScheduler(options);
    const { started, done } = ask(s, 6);
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    done[0]!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("steady (a delivery now and then): up to steadyConcurrency at once, at most one start per steadyGapMs", async () => {
    const s = new ApplyScheduler(options);
    s.answeringStarted();
    const { started, done } = ask(s, 4);
    await settle();
    expect(started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(options.steadyGapMs - 1);
    expect(started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([0, 1]);
    // Two running: the third waits for one of them, however long the gap has been.
    await vi.advanceTimersByTimeAsync(options.steadyGapMs * 3);
    expect(started).toEqual([0, 1]);
    done[0]!();
    await settle();
    expect(started).toEqual([0, 1, 2]);
  });

  it("busy (deliveries overlap): one at a time, one start per busyGapMs, so the burst's answers get the CPU", async () => {
    const s = new ApplyScheduler(options);
    for (let i = 0; i < 2; i++) s.answeringStarted();
    const { started, done } = ask(s, 3);
    await settle();
    expect(started).toEqual([0]);
    done[0]!();
    await vi.advanceTimersByTimeAsync(options.busyGapMs - 1);
    expect(started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([0, 1]);
  });

  it("busy (busyRate answered within a second, one at a time): still one start per busyGapMs", async () => {
    const s = new ApplyScheduler(options);
    const { started, done } = ask(s, 3);
    await settle();
    for (const release of done.slice(0, 3)) release?.();
    for (let i = 0; i < 5; i++) answer(s);
    s.answeringStarted();
    const more = ask(s, 2);
    await vi.advanceTimersByTimeAsync(500);
    expect(more.started).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(started).toEqual([0, 1, 2]);
    expect(more.started).toEqual([0]);
  });

  it("goes back to full speed quietAfterMs after the last answer, and not before", async () => {
    const s = new ApplyScheduler(options);
    s.answeringStarted();
    const { started } = ask(s, 5);
    await settle();
    s.answeringEnded();
    // Steady until then: a second apply after steadyGapMs, no more.
    await vi.advanceTimersByTimeAsync(60);
    expect(started).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(60);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(s.waiting).toBe(1);
  });
});
