import { randomUUID } from "node:crypto";
import type { EntityManager, MikroORM } from "@mikro-orm/core";
import { onEventsCommitted } from "../domain/events/commit-signal";
import { pruneEvents } from "../domain/events/retention";
import { sequenceEvents } from "../domain/events/sequence";
import { claimDeliveryJobs, nextDeliveryDueAt, recordAttempts, type AttemptOutcome, type DeliveryJob } from "../domain/webhooks/deliveries";
import type { WebhookSettings } from "../domain/webhooks/settings";
import type { OutboundHttp } from "./outbound-http";
import { signedHeaders } from "./signing";

export interface DispatcherOptions {
  /** How often to look for work when nothing wakes the dispatcher (other processes' events, retries falling due). */
  pollMs: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** How long a claim holds a delivery; longer than an attempt can take (connect + response timeouts). */
  leaseMs: number;
  /** How long events are kept; older ones are pruned about hourly. */
  retentionMs: number;
  /** Where failures of the loop itself go (a delivery's failures go to its log). */
  log: { error(message: string): void };
}

/** The shortest pause between two rounds, so a stream of commits is sequenced in batches. */
const MIN_ROUND_GAP_MS = 25;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Delivers events to webhook endpoints, in every server process. A round: sequence the events
 * committed since the last round (which makes their deliveries), claim due deliveries up to the free
 * slots, send each, record each outcome. It runs when a command of this process commits events,
 * when a delivery finishes, and every `pollMs` (to find other processes' events and retries that
 * fell due). All state is in the database, leased per delivery: processes share the work without
 * knowing of each other, and a process killed mid-delivery loses nothing — its lease runs out and
 * another process (or this one, restarted) attempts the delivery again, with the same webhook-id.
 */
export class WebhookDispatcher {
  /** This process's name on the deliveries it holds. */
  readonly owner = `dispatcher-${randomUUID()}`;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastRoundAt = 0;
  private lastPruneAt = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly orm: MikroORM,
    private readonly settings: WebhookSettings,
    private readonly http: OutboundHttp,
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

  /** Stops claiming, waits for the attempts in flight to be recorded, closes the HTTP client. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    await Promise.allSettled([...this.inFlight]);
    await this.http.close();
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
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
    try {
      await sequenceEvents(em);
      const free = this.options.concurrency - this.inFlight.size;
      // A read first: an idle round writes nothing.
      if (free > 0 && (await this.dueNow(em))) {
        const jobs = await claimDeliveryJobs(em, this.settings, this.owner, new Date(), this.options.leaseMs, free);
        for (const job of jobs) this.track(this.attempt(job));
        // A full batch means more may be due now.
        if (jobs.length === free) this.again = true;
      }
      if (Date.now() - this.lastPruneAt > PRUNE_EVERY_MS) {
        this.lastPruneAt = Date.now();
        await pruneEvents(em, new Date(Date.now() - this.options.retentionMs));
      }
    } catch (error) {
      if (!this.stopped) this.options.log.error(`webhook dispatch round failed: ${(error as Error).message}`);
    }
  }

  private async dueNow(em: EntityManager): Promise<boolean> {
    const due = await nextDeliveryDueAt(em);
    return due !== null && due.getTime() <= Date.now();
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      // A slot is free, and the delivery's successor for the same user may now be due.
      this.wake();
    });
  }

  private async attempt(job: DeliveryJob): Promise<void> {
    let result;
    try {
      result = job.unsendable
        ? { status: null, error: job.unsendable, durationMs: 0, body: "" }
        : await this.http.post(job.url, signedHeaders(job.secrets, job.messageId, new Date(), job.payload), job.payload);
    } catch (error) {
      // The client reports network failures as results; this is signing gone wrong (a bad secret).
      result = { status: null, error: `not sent: ${(error as Error).message}`, durationMs: 0, body: "" };
    }
    await this.record({ job, result });
  }

  private readonly unrecorded: Array<AttemptOutcome & { recorded: () => void }> = [];
  private recording = false;

  /**
   * Records outcomes as the attempts end, group-committed: while one transaction records, the
   * outcomes arriving meanwhile wait and the next records them all (a transaction per delivery
   * would take the writer from the commands). Resolves once this outcome is recorded or failed
   * to be: unrecorded, the lease runs out and the delivery is attempted again.
   */
  private record(outcome: AttemptOutcome): Promise<void> {
    return new Promise((recorded) => {
      this.unrecorded.push({ ...outcome, recorded });
      if (!this.recording) void this.recordAll();
    });
  }

  private async recordAll(): Promise<void> {
    this.recording = true;
    while (this.unrecorded.length > 0) {
      const batch = this.unrecorded.splice(0);
      try {
        await recordAttempts(this.orm.em.fork(), this.settings, this.owner, batch, new Date());
      } catch (error) {
        if (!this.stopped) this.options.log.error(`recording ${batch.length} webhook attempt(s) failed: ${(error as Error).message}`);
      } finally {
        for (const outcome of batch) outcome.recorded();
      }
    }
    this.recording = false;
  }
}
