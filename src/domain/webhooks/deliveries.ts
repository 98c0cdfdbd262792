import type { EntityManager } from "@mikro-orm/core";
import { WebhookEndpoint } from "../../store/entities";
import type { WebhookAttempt } from "../../store/entities/webhook-delivery";
import { SYSTEM_ACTOR } from "../actor";
import { recordAudit } from "../audit";
import { SEQUENCE_BATCH, sequencingFloor, type SequencingReach } from "../events/sequence";
import type { ClaimedDelivery, DeliveryMaterial, DeliveryUpdate, StoredEventJson } from "../ports/events";
import { storeOf } from "../ports/store";
import { nextAttemptAt } from "./retry-schedule";
import type { WebhookSettings } from "./settings";
import { openSealedSecret } from "./signing-secrets";

/** One attempt to make: where, what, and the secrets that sign it. */
export interface DeliveryJob {
  deliveryId: string;
  endpointId: string;
  url: string;
  /** The current secret, and the one rotated out while its overlap lasts. */
  secrets: string[];
  /** The Standard Webhooks `webhook-id`: the event's id, the same on every attempt. */
  messageId: string;
  /** The JSON body: `{ type, timestamp, data }`, data being the event as the feed gives it. */
  payload: string;
  attempts: number;
  firstAttemptAt: Date;
  /** When the event happened (its command's time); null when it is no longer kept. */
  occurredAt: Date | null;
  /** Why the attempt cannot be made at all (the event was pruned, the secret cannot be opened). */
  unsendable: string | null;
}

/** What an attempt came to. */
export interface AttemptResult {
  /** The receiver's status; null when no response arrived. */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the receiver's answer. */
  body: string;
}

/** Whether an attempt delivered its event: the receiver answered 2xx. */
export function isDelivered(result: AttemptResult): boolean {
  return result.status !== null && result.status >= 200 && result.status < 300;
}

/** Attempts kept per delivery in its log. */
const ATTEMPT_LOG_SIZE = 20;
/** Characters of a receiver's answer kept in the log. */
const LOGGED_RESPONSE_CHARS = 1_000;

/** How many endpoints have a delivery due now (one read): none, and a round leases nothing. */
export function endpointsWithDeliveriesDue(em: EntityManager, now: Date): Promise<number> {
  return storeOf(em).events.endpointsWithDeliveriesDue(em, now);
}

/** What a dispatcher round does in its one transaction. */
export interface RoundWork {
  /** Attempts made since the last round, to record. */
  outcomes: AttemptOutcome[];
  /** Due deliveries to lease, or none (no free slot, nothing due). */
  claim: {
    limit: number;
    /** At most this many of one endpoint's deliveries. */
    perEndpoint: number;
    /** Endpoints given none this round (they hold their share of the dispatcher's slots). */
    excludedEndpoints: string[];
    leaseMs: number;
  } | null;
  /** How far back committed events wait for their positions (read before the round), or null when none does. */
  sequence: SequencingReach | null;
}

export interface RoundResult {
  /** The attempts to make now. */
  jobs: DeliveryJob[];
  /** How many endpoints the round disabled: they crossed the run of failures that disables one. */
  disabled: number;
  /** How many events the round gave positions: SEQUENCE_BATCH means more may wait. */
  sequenced: number;
}

/**
 * One round of webhook dispatch in one transaction: sequence the events committed since the last
 * round (which makes their deliveries), record the attempts made meanwhile, lease due deliveries.
 * A transaction per round instead of one per step and per attempt: the writer is SQLite's only
 * one, and the commands' creates need it; what can be worked out before it (the outcomes' rows)
 * is. Then, outside it, the leased deliveries become attempts (the event as JSON, the endpoint's
 * secrets opened), and endpoints that crossed the failure threshold are disabled.
 */
export async function dispatchRound(em: EntityManager, settings: WebhookSettings, owner: string, work: RoundWork, now: Date): Promise<RoundResult> {
  // The outcomes' rows are worked out before the transaction, so it holds the writer for its writes only.
  const recorded = attemptRecords(settings, work.outcomes, now);
  const { claimed, failures, sequenced } = await em.fork().transactional(async (tx) => {
    const events = storeOf(tx).events;
    const sequenced = work.sequence ? await events.sequenceEvents(tx, SEQUENCE_BATCH, now, sequencingFloor(work.sequence, now)) : 0;
    const failures = work.outcomes.length > 0 ? await recordIn(tx, owner, recorded) : new Map<string, number>();
    const claimed = work.claim ? await events.claimDeliveries(tx, owner, now, new Date(now.getTime() + work.claim.leaseMs), work.claim) : [];
    return { claimed, failures, sequenced };
  });
  let disabled = 0;
  for (const [endpointId, count] of failures) {
    if (count >= settings.disableAfterFailures && (await disableEndpoint(em, endpointId, count))) disabled += 1;
  }
  return { jobs: claimed.length > 0 ? await prepareJobs(em, settings, claimed, now) : [], disabled, sequenced };
}

/** The attempts of leased deliveries: the event as JSON and the endpoint's secrets, opened (one read for the batch). */
async function prepareJobs(em: EntityManager, settings: WebhookSettings, claimed: ClaimedDelivery[], now: Date): Promise<DeliveryJob[]> {
  const material = new Map((await storeOf(em).events.deliveryMaterial(em, claimed.map((c) => c.id))).map((m) => [m.deliveryId, m]));
  // Each endpoint's secrets are opened once for the batch, not once per delivery.
  const secretsByEndpoint = new Map<string, string[] | null>();
  const secretsFor = (m: DeliveryMaterial) => {
    if (!secretsByEndpoint.has(m.endpointId)) {
      try {
        secretsByEndpoint.set(m.endpointId, secretsOf(m, settings, now));
      } catch {
        secretsByEndpoint.set(m.endpointId, null);
      }
    }
    return secretsByEndpoint.get(m.endpointId) ?? null;
  };
  return claimed.map((delivery) => {
    const m = material.get(delivery.id);
    const job: DeliveryJob = {
      deliveryId: delivery.id, endpointId: delivery.endpointId, url: m?.url ?? "", secrets: [], messageId: delivery.eventId,
      payload: "", attempts: delivery.attempts, firstAttemptAt: delivery.firstAttemptAt, occurredAt: m?.event?.createdAt ?? null, unsendable: null,
    };
    if (!m?.event) return { ...job, unsendable: "the event is no longer kept (past the retention period)" };
    const secrets = secretsFor(m);
    if (!secrets) return { ...job, unsendable: "the endpoint's signing secret cannot be opened with this server's WEBHOOK_SECRET_KEY" };
    job.secrets = secrets;
    job.payload = webhookBody(m.event);
    return job;
  });
}

/**
 * A delivery's body: `{ type, timestamp, data }`, data being the event as the feed gives it
 * (eventPayload), embedded as the store rendered it.
 */
function webhookBody(event: StoredEventJson): string {
  return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(event.createdAt.toISOString())},"data":${event.json}}`;
}

function secretsOf(
  endpoint: Pick<DeliveryMaterial, "endpointId" | "sealedSecret" | "previousSealedSecret" | "previousSecretExpiresAt">, settings: WebhookSettings, now: Date,
): string[] {
  if (!settings.secretKey) throw new Error("no WEBHOOK_SECRET_KEY");
  const secrets = [openSealedSecret(endpoint.sealedSecret, settings.secretKey, endpoint.endpointId)];
  if (endpoint.previousSealedSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(openSealedSecret(endpoint.previousSealedSecret, settings.secretKey, endpoint.endpointId));
  }
  return secrets;
}

/** An attempt made, to record. */
export interface AttemptOutcome {
  job: DeliveryJob;
  result: AttemptResult;
}

/** What an attempt comes to in its delivery's row, and whether it counts for or against its endpoint. */
interface AttemptRecord {
  update: DeliveryUpdate;
  endpointId: string;
  /** null: not counted (nothing was sent: an unsendable delivery). */
  succeeded: boolean | null;
}

/**
 * The rows of attempts made. A 2xx delivers it; anything else schedules the next attempt with
 * back-off, or gives up once the retry window has closed.
 */
function attemptRecords(settings: WebhookSettings, outcomes: AttemptOutcome[], now: Date): AttemptRecord[] {
  return outcomes.map(({ job, result }) => {
    const succeeded = isDelivered(result);
    const next = succeeded || job.unsendable ? null : nextAttemptAt(settings.retry, job.firstAttemptAt, job.attempts, now);
    const attempt: WebhookAttempt = {
      at: now.toISOString(), durationMs: Math.round(result.durationMs), status: result.status, error: result.error,
      response: result.body.slice(0, LOGGED_RESPONSE_CHARS),
    };
    return {
      update: {
        id: job.deliveryId,
        status: succeeded ? "succeeded" : next ? "pending" : "failed",
        nextAttemptAt: next ?? now,
        lastStatus: result.status,
        lastError: succeeded ? null : result.error ?? `the receiver answered ${result.status}`,
        attempt,
        deliveredAt: succeeded ? now : null,
      },
      endpointId: job.endpointId,
      succeeded: job.unsendable ? null : succeeded,
    };
  });
}

/**
 * Records attempts in the round's transaction, each if `owner` still holds its delivery (a
 * dispatcher whose lease ran out must not overwrite the one that took the delivery over), and
 * counts each endpoint's failures in a row among those (a success among the batch resets them).
 * Returns, for endpoints that only failed, their failures in a row now.
 */
async function recordIn(tx: EntityManager, owner: string, records: AttemptRecord[]): Promise<Map<string, number>> {
  const events = storeOf(tx).events;
  const held = await events.saveAttempts(tx, owner, records.map((r) => r.update), ATTEMPT_LOG_SIZE);
  const tally = new Map<string, { succeeded: boolean; failed: number }>();
  for (const record of records) {
    if (record.succeeded === null || !held.has(record.update.id)) continue;
    const counted = tally.get(record.endpointId) ?? { succeeded: false, failed: 0 };
    if (record.succeeded) counted.succeeded = true;
    else counted.failed += 1;
    tally.set(record.endpointId, counted);
  }
  return events.countEndpointAttempts(tx, [...tally].map(([endpointId, counted]) => ({ endpointId, failed: counted.succeeded ? 0 : counted.failed })));
}

/** Disables an endpoint, with an event saying so; false when it was disabled already. */
async function disableEndpoint(em: EntityManager, endpointId: string, failures: number): Promise<boolean> {
  return em.fork().transactional(async (tx) => {
    // Conditional, so of two dispatchers crossing the threshold at once only one disables it.
    const changed = await tx.nativeUpdate(WebhookEndpoint, { id: endpointId, enabled: true }, {
      enabled: false, disabledReason: `${failures} failed attempts in a row`, updatedAt: new Date(),
    });
    if (changed === 0) return false;
    const endpoint = await tx.findOneOrFail(WebhookEndpoint, { id: endpointId });
    recordAudit(tx, SYSTEM_ACTOR, {
      type: "webhook_endpoint.disabled", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: endpointId,
      data: { url: endpoint.url, consecutiveFailures: failures },
    });
    return true;
  });
}
