/**
 * Decides when an event applied behind its answer may start, so that answering Polar comes
 * first. Three states, from what the process is answering:
 * - busy (`busyAnswering` or more deliveries being answered at once: answers queue for the CPU):
 *   one apply at a time, at most one start per `busyGapMs`, so a burst is answered at the speed
 *   of its inserts and the backlog still moves;
 * - steady (fewer, but the last answer is less than `quietAfterMs` old): one apply at a time;
 * - quiet: up to `idleConcurrency` at once, and the backlog drains.
 * (Measured in bench/results.md: four applies competing with a burst slowed its answers.)
 */
export interface ApplySchedulerOptions {
  idleConcurrency: number;
  busyAnswering: number;
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
    this.pump();
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
        if (this.answering >= this.opts.busyAnswering) {
          const gap = this.lastStartAt + this.opts.busyGapMs - now;
          // Woken at the next allowed start; an answer ending wakes it sooner.
          if (gap > 0) return this.later(gap);
        }
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
