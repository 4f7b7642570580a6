/**
 * Decides when an event applied behind its answer may start, so that answering Polar always
 * comes first. While deliveries keep arriving (one is being answered, or the last answer is
 * less than `quietAfterMs` old) one apply runs at a time, at most one start per `busyGapMs`:
 * the answers get the CPU and the database, and the backlog waits. Once the deliveries pause,
 * up to `idleConcurrency` run at once and the backlog drains. (Measured in bench/results.md:
 * with four applies competing, a burst's answers were slower than a bare verify+insert route's.)
 */
export interface ApplySchedulerOptions {
  idleConcurrency: number;
  busyGapMs: number;
  quietAfterMs: number;
}

export class ApplyScheduler {
  private active = 0;
  private answering = 0;
  private lastAnswerAt = Number.NEGATIVE_INFINITY;
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private timer: { handle: ReturnType<typeof setTimeout>; due: number } | null = null;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly opts: ApplySchedulerOptions) {}

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
    this.lastAnswerAt = Date.now();
    if (this.answering === 0) this.later(this.opts.quietAfterMs);
  }

  private done(): void {
    this.active--;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const now = Date.now();
      const quietIn = this.lastAnswerAt + this.opts.quietAfterMs - now;
      if (this.answering === 0 && quietIn <= 0) {
        if (this.active >= this.opts.idleConcurrency) return;
      } else {
        if (this.active >= 1) return;
        const gap = this.lastStartAt + this.opts.busyGapMs - now;
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
