import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import { onEventsCommitted } from "../domain/events/commit-signal";
import { pruneEvents } from "../domain/events/retention";
import { eventsAwaitSequencing, nextReach, passCompleted, SEQUENCE_BATCH } from "../domain/events/sequence";
import { dispatchRound, endpointsWithDeliveriesDue, isDelivered, type AttemptOutcome, type DeliveryJob, type RoundWork } from "../domain/webhooks/deliveries";
import type { WebhookSettings } from "../domain/webhooks/settings";
import type { AttemptSender } from "./attempt-sender";

export interface DispatcherOptions {
  /** How often to look for work when nothing wakes the dispatcher (other processes' events, retries falling due). */
  pollMs: number;
  /** How often this process sequences over all events, not only recent ones (default FULL_PASS_MS; see domain/events/sequence.ts). */
  fullPassMs?: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** How long a claim holds a delivery; longer than an attempt can take (connect + response timeouts). */
  leaseMs: number;
  /** How long events are kept; older ones are pruned about hourly. */
  retentionMs: number;
  /** Where failures of the loop itself go (a delivery's failures go to its log). */
  log: { error(message: string): void };
  /** Told of every attempt as it ends (the metrics). */
  onAttempt?: AttemptObserver;
}

/** What an attempt came to: a 2xx, anything else, or not sendable at all. */
export type AttemptKind = "delivered" | "failed" | "unsendable";

/** Told of an attempt: its kind, how long the receiver took, and for a delivery, how long after its event. */
export type AttemptObserver = (kind: AttemptKind, durationMs: number, lagMs: number | null) => void;

/**
 * The shortest pause between two rounds. A round's transaction costs mostly its statements' round
 * trips (a handful, whatever the number of deliveries), and it holds the writer (SQLite's only
 * one) while commands wait: rounds at most ten a second keep dispatch to a small share of the
 * writer under a stream of commits, for at most this much added lag.
 */
const MIN_ROUND_GAP_MS = 100;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Delivers events to webhook endpoints, in every server process. A round is one transaction: it
 * sequences the events committed since the last round (which makes their deliveries), records the
 * attempts that ended since, and leases due deliveries up to the free slots; then each leased
 * delivery is sent, and its outcome waits for the next round. It runs when a command of this process commits events,
 * when a delivery finishes, and every `pollMs` (to find other processes' events and retries that
 * fell due). All state is in the database, leased per delivery: processes share the work without
 * knowing of each other, and a process killed mid-delivery loses nothing — its lease runs out and
 * another process (or this one, restarted) attempts the delivery again, with the same webhook-id.
 */
export class WebhookDispatcher {
  /** This process's name on the deliveries it holds. */
  readonly owner = `dispatcher-${randomUUID()}`;
  private readonly inFlight = new Set<Promise<void>>();
  /** Attempts in flight per endpoint: the slots each holds. */
  private readonly heldByEndpoint = new Map<string, number>();
  /** Attempts made and not recorded yet: the next round records them. */
  private readonly outcomes: AttemptOutcome[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (epoch ms). */
  private timerDueAt = 0;
  private round: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastRoundAt = 0;
  private lastPruneAt = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly orm: MikroORM,
    private readonly settings: WebhookSettings,
    private readonly sender: AttemptSender,
    private readonly options: DispatcherOptions,
  ) {
    this.unsubscribe = onEventsCommitted(() => this.wake());
  }

  start(): void {
    this.wake();
  }

  /** Runs a round soon: at once, or after the minimum gap since the last one. */
  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(0, this.lastRoundAt + MIN_ROUND_GAP_MS - Date.now()));
  }

  /** Stops claiming, waits for the attempts in flight and records them, closes the sender. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    await Promise.allSettled([...this.inFlight]);
    if (this.outcomes.length > 0) await this.runRound();
    await this.sender.close();
  }

  private schedule(delayMs: number): void {
    // A round already due as soon stands: every attempt's end wakes the dispatcher, and resetting
    // the timer each time would be churn.
    if (this.timer && this.timerDueAt <= Date.now() + delayMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.round = this.runRound().finally(() => {
        this.round = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else if (!this.timer) {
          this.schedule(this.options.pollMs);
        }
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    this.lastRoundAt = Date.now();
    const em = this.orm.em.fork();
    // Attempts that ended since the last round are recorded in this one.
    const outcomes = this.outcomes.splice(0);
    try {
      // Events of a transaction that ran long (or of a process whose clock lags) wait past the
      // recent window: now and then the round's pass is over all of them (domain/events/sequence.ts).
      const startedAt = Date.now();
      const reach = nextReach(this.options.fullPassMs);
      const sequence = (await eventsAwaitSequencing(em, reach)) ? reach : null;
      const free = this.stopped ? 0 : this.options.concurrency - this.inFlight.size;
      // Reads first: an idle round writes nothing.
      const endpointsDue = free > 0 ? await endpointsWithDeliveriesDue(em, new Date()) : 0;
      const claim = endpointsDue > 0 ? this.fairClaim(free, endpointsDue) : null;
      let sequenced = 0;
      if (sequence || claim || outcomes.length > 0) {
        const result = await dispatchRound(em, this.settings, this.owner, { outcomes, claim, sequence }, new Date());
        for (const job of result.jobs) this.track(job.endpointId, this.attempt(job));
        sequenced = result.sequenced;
        // A full batch means more may be due now.
        if (claim && result.jobs.length === claim.limit) this.again = true;
      }
      if (sequenced >= SEQUENCE_BATCH) {
        // More events wait than one round sequences: the next round goes on at once, with the same
        // reach, so a backlog of late events is sequenced whole, not a batch per full-pass interval.
        this.again = true;
      } else {
        passCompleted(reach, startedAt);
      }
      if (!this.stopped && Date.now() - this.lastPruneAt > PRUNE_EVERY_MS) {
        this.lastPruneAt = Date.now();
        await pruneEvents(em, new Date(Date.now() - this.options.retentionMs));
      }
    } catch (error) {
      // Unrecorded outcomes are not lost: their leases run out and the deliveries are attempted again.
      this.options.log.error(`webhook dispatch round failed: ${(error as Error).message}`);
    }
  }

  /**
   * The slots are shared among the endpoints with deliveries due: an endpoint holding its share of
   * them already (a slow receiver's attempts hold theirs for as long as it takes to answer) gets no
   * more until it holds less, and the free slots are split evenly among the rest. Alone, an
   * endpoint may hold them all; a slow one that did so when others came delays them by at most one
   * response timeout, the time its attempts take to end.
   */
  private fairClaim(free: number, endpointsDue: number): RoundWork["claim"] {
    const share = Math.ceil(this.options.concurrency / endpointsDue);
    const saturated = [...this.heldByEndpoint].filter(([, held]) => held >= share).map(([endpointId]) => endpointId);
    const open = Math.max(1, endpointsDue - saturated.length);
    return { limit: free, perEndpoint: Math.ceil(free / open), excludedEndpoints: saturated, leaseMs: this.options.leaseMs };
  }

  private track(endpointId: string, attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    this.heldByEndpoint.set(endpointId, (this.heldByEndpoint.get(endpointId) ?? 0) + 1);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      const held = (this.heldByEndpoint.get(endpointId) ?? 1) - 1;
      if (held > 0) this.heldByEndpoint.set(endpointId, held);
      else this.heldByEndpoint.delete(endpointId);
      // A slot is free, and the delivery's successor for the same user may now be due.
      this.wake();
    });
  }

  /** Makes one attempt; its outcome waits for the next round to be recorded. */
  private async attempt(job: DeliveryJob): Promise<void> {
    const result = job.unsendable
      ? { status: null, error: job.unsendable, durationMs: 0, body: "" }
      : await this.sender.send({ url: job.url, secrets: job.secrets, messageId: job.messageId, payload: job.payload });
    this.outcomes.push({ job, result });
    const delivered = isDelivered(result);
    const kind: AttemptKind = job.unsendable ? "unsendable" : delivered ? "delivered" : "failed";
    this.options.onAttempt?.(kind, result.durationMs, delivered && job.occurredAt ? Date.now() - job.occurredAt.getTime() : null);
  }
}
