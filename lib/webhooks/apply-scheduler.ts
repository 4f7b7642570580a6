/**
 * Decides when an event applied behind its answer may start, so that answering Polar comes
 * first. Three states, from what the process has been answering:
 * - busy (several deliveries being answered at once, or `busyRate` answered within the last
 *   second): one apply at a time, at most one start per `busyGapMs`, so a burst is answered at
 *   the speed of its inserts and the backlog still moves;
 * - steady (deliveries now and then, the last less than `quietAfterMs` ago): up to
 *   `steadyConcurrency` at once, at most one start per `steadyGapMs` (one at a time, an apply
 *   that takes longer than the deliveries' spacing let a steady 20 events/s build a backlog: 2.7 s
 *   of lag at 100,000 customers stored);
 * - quiet: up to `idleConcurrency` at once, and the backlog drains.
 * (Measured in bench/history.md, run 2: applies competing for the two cores slowed a burst's answers.)
 */
export interface ApplySchedulerOptions {
  idleConcurrency: number;
  steadyConcurrency: number;
  busyRate: number;
  busyGapMs: number;
  steadyGapMs: number;
  quietAfterMs: number;
}

export class ApplyScheduler {
  private active = 0;
  private answering = 0;
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private timer: { handle: ReturnType<typeof setTimeout>; due: number } | null = null;
  private readonly queue: Array<() => void> = [];
  // When the last `busyRate` answers ended, oldest first (a ring: `next` is the oldest).
  private readonly answeredAt: number[];
  private next = 0;

  constructor(private readonly opts: ApplySchedulerOptions) {
    this.answeredAt = new Array<number>(opts.busyRate).fill(Number.NEGATIVE_INFINITY);
  }

  /** Events waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves when this apply may start; call the returned function when it is done. */
  turn(): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push(() => resolve(() => this.done()));
      this.pump();
    });
  }

  answeringStarted(): void {
    this.answering++;
  }

  answeringEnded(): void {
    this.answering--;
    this.answeredAt[this.next] = Date.now();
    this.next = (this.next + 1) % this.answeredAt.length;
    this.pump();
    if (this.answering === 0) this.later(this.opts.quietAfterMs);
  }

  private done(): void {
    this.active--;
    this.pump();
  }

  private lastAnswerAt(): number {
    return this.answeredAt[(this.next + this.answeredAt.length - 1) % this.answeredAt.length]!;
  }

  private busy(now: number): boolean {
    return this.answering >= 2 || now - this.answeredAt[this.next]! < 1_000;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const now = Date.now();
      const quietIn = this.lastAnswerAt() + this.opts.quietAfterMs - now;
      if (this.answering === 0 && quietIn <= 0) {
        if (this.active >= this.opts.idleConcurrency) return;
      } else {
        const busy = this.busy(now);
        if (this.active >= (busy ? 1 : this.opts.steadyConcurrency)) return;
        const gap = this.lastStartAt + (busy ? this.opts.busyGapMs : this.opts.steadyGapMs) - now;
        // Woken at the next allowed start, or as soon as the deliveries may have paused.
        if (gap > 0) return this.later(this.answering > 0 ? gap : Math.min(gap, quietIn + 1));
        if (this.answering === 0) this.later(quietIn + 1);
      }
      this.active++;
      this.lastStartAt = now;
      this.queue.shift()!();
    }
  }

  private later(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.timer.due <= due) return;
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = {
      due,
      handle: setTimeout(() => {
        this.timer = null;
        this.pump();
      }, ms),
    };
  }
}
