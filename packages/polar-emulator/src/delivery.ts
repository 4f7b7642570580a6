import { randomUUID } from "node:crypto";
import { request as httpRequest, type ClientRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { eventBody, type PolarEvent } from "./events";
import { createSigner } from "./signing";

/** Polar's numbers (see shared/polar-notes.md). */
export const MAX_ATTEMPTS = 10;
export const DISABLE_AFTER_FAILED_EVENTS = 10;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 20 * 60_000;

/** Switches that make delivery misbehave the ways Polar's does, for testing a receiver. */
export interface DeliverySettings {
  delayMs: number; // wait this long before every attempt
  duplicateRate: number; // 0..1: fraction of delivered events sent a second time
  shuffleWindow: number; // >1: the next event is picked at random among the next N queued
  dropFirstAttempt: boolean; // the first attempt is not sent and counts as failed
}

export const DEFAULT_SETTINGS: DeliverySettings = { delayMs: 0, duplicateRate: 0, shuffleWindow: 0, dropFirstAttempt: false };

export interface AttemptLog {
  attempt: number; // 1-based among this event's normal attempts; duplicates repeat the number
  kind: "attempt" | "duplicate" | "redelivery";
  at: string;
  durationMs: number;
  status: number | null;
  error: string | null;
  ok: boolean;
}

export type DeliveryStatus = "queued" | "retrying" | "delivered" | "failed" | "skipped";

export interface DeliveryLog {
  webhookId: string;
  type: string;
  emittedAt: string;
  status: DeliveryStatus;
  attempts: AttemptLog[];
  nextAttemptAt: string | null;
  note: string | null;
  body: string; // the exact bytes sent on every attempt
}

/** The one webhook endpoint, as Polar records it (its secret is the signer's, in DeliveryOptions). */
export interface EndpointState {
  id: string;
  url: string;
  /** Polar's WebhookEventType values it subscribes to; other events are not sent to it. */
  events: string[];
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  createdAt: string;
  modifiedAt: string | null;
}

/** What a merchant can change on the endpoint in Polar's dashboard (the admin API's switch). */
export interface EndpointPatch {
  url?: string;
  events?: string[];
  enabled?: boolean;
}

export interface DeliverySnapshot {
  endpoint: EndpointState;
  deliveries: DeliveryLog[];
  recentOutcomes: boolean[];
}

export type SettleOutcome = "delivered" | "failed" | "skipped" | "timeout";

export interface DeliveryOptions {
  url: string;
  events: string[];
  secret: string;
  retryScale: number;
  timeoutMs: number;
  settings: DeliverySettings;
  log: (line: string) => void;
  onChange: () => void;
}

/** The delay after failed attempt n (1-based): min(2 s * 2^(n-1), 20 min), jittered to [d/2, d]. */
export function retryDelayMs(attempt: number, retryScale: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_MAX_MS);
  return Math.round((ceiling / 2 + random() * (ceiling / 2)) * retryScale);
}

const MAX_LOGGED = 5_000;
const PERSISTED_LOG = 1_000;

/**
 * One webhook endpoint's delivery, as Polar runs it: first attempts leave in emission order,
 * one at a time; a failed attempt is retried on its own timer with exponential backoff, so a
 * retried event can arrive after later ones, as on Polar. Ten failed attempts give up on an
 * event; ten given-up events in a row disable the endpoint until it is re-enabled.
 */
export class WebhookDelivery {
  private readonly sign: ReturnType<typeof createSigner>;
  private readonly records = new Map<string, DeliveryLog>();
  private queue: DeliveryLog[] = [];
  private pumping = false;
  private stopped = false;
  private recentOutcomes: boolean[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly waiters = new Map<string, Array<(o: SettleOutcome) => void>>();
  readonly endpoint: EndpointState;
  settings: DeliverySettings;

  constructor(private readonly opts: DeliveryOptions) {
    this.sign = createSigner(opts.secret);
    this.settings = { ...opts.settings };
    this.endpoint = {
      id: randomUUID(),
      url: opts.url,
      events: [...opts.events],
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      createdAt: new Date().toISOString(),
      modifiedAt: null,
    };
  }

  /** The endpoint's signing secret, which Polar shows with the endpoint. */
  get secret(): string {
    return this.opts.secret;
  }

  /**
   * Queues an event; its first attempt starts after every event queued before it (shuffle aside).
   * An event the endpoint does not subscribe to is logged as skipped and never sent (Polar does
   * not create it for that endpoint at all; the log keeps it visible here).
   */
  enqueue(event: PolarEvent): DeliveryLog {
    const record: DeliveryLog = {
      webhookId: randomUUID(),
      type: event.type,
      emittedAt: new Date().toISOString(),
      status: "queued",
      attempts: [],
      nextAttemptAt: null,
      note: null,
      body: eventBody(event),
    };
    this.records.set(record.webhookId, record);
    this.trim();
    if (!this.endpoint.events.includes(event.type)) {
      record.status = "skipped";
      record.note = `not sent: the endpoint does not subscribe to ${event.type}`;
      this.changed();
      return record;
    }
    this.queue.push(record);
    this.opts.log(`[polar-emulator] event ${event.type} ${record.webhookId} queued`);
    this.changed();
    // Deferred so that a burst of events emitted together is queued whole before the first
    // pick: the shuffle window then has something to shuffle.
    setImmediate(() => void this.pump());
    return record;
  }

  list(): DeliveryLog[] {
    return [...this.records.values()];
  }

  get(webhookId: string): DeliveryLog | undefined {
    return this.records.get(webhookId);
  }

  /** Resolves once the event was answered 2xx, given up or skipped, or after `timeoutMs`. */
  waitSettled(webhookId: string, timeoutMs: number): Promise<SettleOutcome> {
    const record = this.records.get(webhookId);
    if (!record) return Promise.resolve("skipped");
    if (record.status === "delivered" || record.status === "failed" || record.status === "skipped") {
      return Promise.resolve(record.status);
    }
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: SettleOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(o);
      };
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      this.timers.add(timer);
      const list = this.waiters.get(webhookId) ?? [];
      list.push(finish);
      this.waiters.set(webhookId, list);
    });
  }

  enableEndpoint(): void {
    this.endpoint.enabled = true;
    this.endpoint.disabledAt = null;
    this.endpoint.disabledReason = null;
    this.endpoint.modifiedAt = new Date().toISOString();
    this.recentOutcomes = [];
    this.opts.log(`[polar-emulator] webhook endpoint ${this.endpoint.url} re-enabled`);
    this.changed();
  }

  private disableEndpoint(reason: string): void {
    const now = new Date().toISOString();
    this.endpoint.enabled = false;
    this.endpoint.disabledAt = now;
    this.endpoint.disabledReason = reason;
    this.endpoint.modifiedAt = now;
    this.opts.log(`[polar-emulator] webhook endpoint ${this.endpoint.url} DISABLED: ${reason} (POST /admin/endpoint/enable re-enables it)`);
    this.changed();
  }

  /** A merchant's edit of the endpoint: a new URL or event list applies to the next attempt. */
  updateEndpoint(patch: EndpointPatch): void {
    if (patch.url !== undefined) this.endpoint.url = patch.url;
    if (patch.events !== undefined) this.endpoint.events = [...patch.events];
    if (patch.url !== undefined || patch.events !== undefined) this.endpoint.modifiedAt = new Date().toISOString();
    if (patch.enabled === true && !this.endpoint.enabled) this.enableEndpoint();
    else if (patch.enabled === false && this.endpoint.enabled) this.disableEndpoint("disabled through POST /admin/endpoint");
    this.changed();
  }

  /** Polar's manual "Redeliver": one more send of the same webhook-id and body, no retries. */
  async redeliver(webhookId: string): Promise<DeliveryLog | undefined> {
    const record = this.records.get(webhookId);
    if (!record) return undefined;
    const normal = record.attempts.filter((a) => a.kind === "attempt").length;
    const result = await this.send(record, normal, "redelivery");
    if (result.ok) {
      record.status = "delivered";
      record.note = null;
      this.settle(record, "delivered");
    }
    this.changed();
    return record;
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const [, list] of this.waiters) for (const w of list) w("skipped");
    this.waiters.clear();
    this.records.clear();
    this.queue = [];
    this.recentOutcomes = [];
    // The endpoint as it was configured at start: tests that broke it start over from there.
    Object.assign(this.endpoint, {
      url: this.opts.url,
      events: [...this.opts.events],
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      modifiedAt: null,
    });
    this.changed();
  }

  /** Events still on their way, and the log's most recent ones: the file stays small. */
  snapshot(): DeliverySnapshot {
    const all = this.list();
    const keepFrom = Math.max(0, all.length - PERSISTED_LOG);
    const deliveries = all.filter((d, i) => i >= keepFrom || d.status === "queued" || d.status === "retrying");
    return { endpoint: { ...this.endpoint }, deliveries, recentOutcomes: [...this.recentOutcomes] };
  }

  /**
   * After a restart, events that were still on their way are sent again (same id, same body).
   * The endpoint keeps its id and enabled state; its URL and events are the ones started with.
   */
  restore(s: DeliverySnapshot): void {
    Object.assign(this.endpoint, {
      enabled: s.endpoint.enabled,
      disabledAt: s.endpoint.disabledAt,
      disabledReason: s.endpoint.disabledReason,
      // A state file from before the endpoint had an id keeps the fresh one.
      ...(s.endpoint.id ? { id: s.endpoint.id, createdAt: s.endpoint.createdAt } : {}),
    });
    this.recentOutcomes = [...s.recentOutcomes];
    for (const d of s.deliveries) {
      this.records.set(d.webhookId, d);
      if (d.status === "queued" || d.status === "retrying") {
        d.status = "queued";
        d.nextAttemptAt = null;
        this.queue.push(d);
      }
    }
    if (this.queue.length) setImmediate(() => void this.pump());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.inFlight) req.destroy(new Error("emulator stopping"));
    for (const [, list] of this.waiters) for (const w of list) w("timeout");
    this.waiters.clear();
  }

  private changed(): void {
    this.opts.onChange();
  }

  private trim(): void {
    if (this.records.size <= MAX_LOGGED) return;
    for (const [id, r] of this.records) {
      if (this.records.size <= MAX_LOGGED) break;
      if (r.status === "delivered" || r.status === "failed" || r.status === "skipped") this.records.delete(id);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.stopped) {
        const window = Math.max(1, Math.min(Math.floor(this.settings.shuffleWindow), this.queue.length));
        const index = window > 1 ? Math.floor(Math.random() * window) : 0;
        const [record] = this.queue.splice(index, 1);
        if (record) await this.attempt(record);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async attempt(record: DeliveryLog): Promise<void> {
    if (this.stopped) return;
    record.nextAttemptAt = null;
    if (!this.endpoint.enabled) {
      record.status = "skipped";
      record.note = "not sent: the endpoint is disabled";
      this.settle(record, "skipped");
      this.changed();
      return;
    }
    if (this.settings.delayMs > 0) await this.sleep(this.settings.delayMs);
    if (this.stopped) return;

    const n = record.attempts.filter((a) => a.kind === "attempt").length + 1;
    let ok: boolean;
    if (n === 1 && this.settings.dropFirstAttempt) {
      record.attempts.push({ attempt: n, kind: "attempt", at: new Date().toISOString(), durationMs: 0, status: null, error: "dropped by the dropFirstAttempt test switch", ok: false });
      ok = false;
    } else {
      ok = (await this.send(record, n, "attempt")).ok;
    }
    if (this.stopped) return;

    if (ok) {
      record.status = "delivered";
      this.outcome(true);
      this.settle(record, "delivered");
      if (this.settings.duplicateRate > 0 && Math.random() < this.settings.duplicateRate) {
        await this.send(record, n, "duplicate");
      }
    } else if (n >= MAX_ATTEMPTS) {
      record.status = "failed";
      record.note = `gave up after ${MAX_ATTEMPTS} attempts`;
      this.opts.log(`[polar-emulator] event ${record.type} ${record.webhookId}: gave up after ${MAX_ATTEMPTS} attempts`);
      this.settle(record, "failed");
      this.outcome(false);
    } else {
      const delay = retryDelayMs(n, this.opts.retryScale);
      record.status = "retrying";
      record.nextAttemptAt = new Date(Date.now() + delay).toISOString();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.attempt(record);
      }, delay);
      this.timers.add(timer);
    }
    this.changed();
  }

  /** Counts a finished event; the last ten all failed -> the endpoint is disabled, as on Polar. */
  private outcome(delivered: boolean): void {
    this.recentOutcomes.push(delivered);
    if (this.recentOutcomes.length > DISABLE_AFTER_FAILED_EVENTS) this.recentOutcomes.shift();
    if (
      this.endpoint.enabled &&
      this.recentOutcomes.length === DISABLE_AFTER_FAILED_EVENTS &&
      this.recentOutcomes.every((o) => !o)
    ) {
      this.disableEndpoint(`the ${DISABLE_AFTER_FAILED_EVENTS} most recent events all failed`);
    }
  }

  private settle(record: DeliveryLog, outcome: SettleOutcome): void {
    const list = this.waiters.get(record.webhookId);
    if (!list) return;
    this.waiters.delete(record.webhookId);
    for (const w of list) w(outcome);
  }

  /** One POST. Any 2xx is success; 3xx (not followed), 4xx, 5xx, network errors and timeouts fail. */
  private send(record: DeliveryLog, attempt: number, kind: AttemptLog["kind"]): Promise<AttemptLog> {
    const started = new Date();
    const headers = this.sign(record.webhookId, started, record.body);
    const url = new URL(this.endpoint.url);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (status: number | null, error: string | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.timers.delete(timer);
        this.inFlight.delete(req);
        const ok = status !== null && status >= 200 && status < 300;
        const log: AttemptLog = { attempt, kind, at: started.toISOString(), durationMs: Date.now() - started.getTime(), status, error, ok };
        record.attempts.push(log);
        this.opts.log(
          `[polar-emulator] ${kind} ${attempt} ${record.type} ${record.webhookId} -> ${status ?? "no answer"}${error ? ` (${error})` : ""}`,
        );
        resolve(log);
      };
      const req = request(
        url,
        {
          method: "POST",
          // A fresh connection per attempt: a receiver that was restarted is reached anew.
          agent: false,
          headers: { ...headers, "content-length": Buffer.byteLength(record.body) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          // The answer counts once it is complete; its body is read and thrown away.
          res.on("data", () => {});
          res.on("end", () => finish(status, status >= 200 && status < 300 ? null : `HTTP ${status}`));
          res.on("error", (e) => finish(null, e.message));
        },
      );
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      this.timers.add(timer);
      this.inFlight.add(req);
      req.on("error", (e) => finish(null, e.message));
      req.end(record.body);
    });
  }
}
