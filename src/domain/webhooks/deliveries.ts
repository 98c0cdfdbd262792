import type { EntityManager } from "@mikro-orm/core";
import { AuditEvent, WebhookDelivery, WebhookEndpoint } from "../../store/entities";
import type { WebhookAttempt } from "../../store/entities/webhook-delivery";
import { SYSTEM_ACTOR } from "../actor";
import { recordAudit } from "../audit";
import { eventPayload } from "../events/payload";
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

/** Attempts kept per delivery in its log. */
const ATTEMPT_LOG_SIZE = 20;
/** Characters of a receiver's answer kept in the log. */
const LOGGED_RESPONSE_CHARS = 1_000;

/** When the earliest pending delivery falls due (one read), or null when none waits. */
export function nextDeliveryDueAt(em: EntityManager): Promise<Date | null> {
  return storeOf(em).events.nextDeliveryDueAt(em);
}

/**
 * Leases up to `limit` due deliveries to `owner` (EventStore.claimDeliveries) and prepares each
 * attempt: the event as JSON and the endpoint's secrets, opened. Three statements for the batch.
 */
export async function claimDeliveryJobs(
  em: EntityManager, settings: WebhookSettings, owner: string, now: Date, leaseMs: number, limit: number,
): Promise<DeliveryJob[]> {
  const claimed = await em.fork().transactional((tx) => storeOf(tx).events.claimDeliveries(tx, owner, now, new Date(now.getTime() + leaseMs), limit));
  if (claimed.length === 0) return [];
  const read = em.fork();
  const [events, endpoints] = await Promise.all([
    read.find(AuditEvent, { id: { $in: [...new Set(claimed.map((c) => c.eventId))] } }),
    read.find(WebhookEndpoint, { id: { $in: [...new Set(claimed.map((c) => c.endpointId))] } }),
  ]);
  const eventById = new Map(events.map((e) => [e.id, e]));
  const endpointById = new Map(endpoints.map((e) => [e.id, e]));
  return claimed.map((delivery) => {
    const event = eventById.get(delivery.eventId);
    const endpoint = endpointById.get(delivery.endpointId);
    const job: DeliveryJob = {
      deliveryId: delivery.id, endpointId: delivery.endpointId, url: endpoint?.url ?? "", secrets: [], messageId: delivery.eventId,
      payload: "", attempts: delivery.attempts, firstAttemptAt: delivery.firstAttemptAt, unsendable: null,
    };
    if (!event || !endpoint) return { ...job, unsendable: "the event is no longer kept (past the retention period)" };
    try {
      job.secrets = secretsOf(endpoint, settings, now);
    } catch {
      return { ...job, unsendable: "the endpoint's signing secret cannot be opened with this server's WEBHOOK_SECRET_KEY" };
    }
    job.payload = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: eventPayload(event) });
    return job;
  });
}

function secretsOf(endpoint: WebhookEndpoint, settings: WebhookSettings, now: Date): string[] {
  if (!settings.secretKey) throw new Error("no WEBHOOK_SECRET_KEY");
  const secrets = [openSealedSecret(endpoint.sealedSecret, settings.secretKey)];
  if (endpoint.previousSealedSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(openSealedSecret(endpoint.previousSealedSecret, settings.secretKey));
  }
  return secrets;
}

/** An attempt made, to record. */
export interface AttemptOutcome {
  job: DeliveryJob;
  result: AttemptResult;
}

/**
 * Records attempts, in one transaction for all of them, each if `owner` still holds its delivery (a
 * dispatcher whose lease ran out must not overwrite the one that took it over). A 2xx delivers it;
 * anything else schedules the next attempt with back-off, or gives up once the retry window has
 * closed. Each endpoint's failures in a row are counted (a success among the batch resets them),
 * and past `disableAfterFailures` the endpoint is disabled, with an event saying so.
 */
export async function recordAttempts(em: EntityManager, settings: WebhookSettings, owner: string, outcomes: AttemptOutcome[], now: Date): Promise<void> {
  const byId = new Map(outcomes.map((outcome) => [outcome.job.deliveryId, outcome]));
  const failures = await em.fork().transactional(async (tx) => {
    const deliveries = await tx.find(WebhookDelivery, { id: { $in: [...byId.keys()] }, leaseOwner: owner });
    const tally = new Map<string, { succeeded: boolean; failed: number }>();
    for (const delivery of deliveries) {
      const { job, result } = byId.get(delivery.id) as AttemptOutcome;
      const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
      const next = succeeded || job.unsendable ? null : nextAttemptAt(settings.retry, job.firstAttemptAt, job.attempts, now);
      const attempt: WebhookAttempt = {
        at: now.toISOString(), durationMs: Math.round(result.durationMs), status: result.status, error: result.error,
        response: result.body.slice(0, LOGGED_RESPONSE_CHARS),
      };
      Object.assign(delivery, {
        status: succeeded ? "succeeded" : next ? "pending" : "failed",
        nextAttemptAt: next ?? delivery.nextAttemptAt,
        leaseOwner: null,
        leaseUntil: null,
        lastStatus: result.status,
        lastError: succeeded ? null : result.error ?? `the receiver answered ${result.status}`,
        attemptLog: [...delivery.attemptLog, attempt].slice(-ATTEMPT_LOG_SIZE),
        deliveredAt: succeeded ? now : null,
      });
      if (job.unsendable) continue;
      const counted = tally.get(job.endpointId) ?? { succeeded: false, failed: 0 };
      if (succeeded) counted.succeeded = true;
      else counted.failed += 1;
      tally.set(job.endpointId, counted);
    }
    await tx.flush();
    const inARow = new Map<string, number>();
    for (const [endpointId, counted] of tally) {
      if (counted.failed > 0 && !counted.succeeded) inARow.set(endpointId, await storeOf(tx).events.countEndpointAttempts(tx, endpointId, counted.failed));
      else await storeOf(tx).events.countEndpointAttempts(tx, endpointId, 0);
    }
    return inARow;
  });
  for (const [endpointId, count] of failures) {
    if (count >= settings.disableAfterFailures) await disableEndpoint(em, endpointId, count);
  }
}

async function disableEndpoint(em: EntityManager, endpointId: string, failures: number): Promise<void> {
  await em.fork().transactional(async (tx) => {
    // Conditional, so of two dispatchers crossing the threshold at once only one disables it.
    const changed = await tx.nativeUpdate(WebhookEndpoint, { id: endpointId, enabled: true }, {
      enabled: false, disabledReason: `${failures} failed attempts in a row`, updatedAt: new Date(),
    });
    if (changed === 0) return;
    const endpoint = await tx.findOneOrFail(WebhookEndpoint, { id: endpointId });
    recordAudit(tx, SYSTEM_ACTOR, {
      type: "webhook_endpoint.disabled", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: endpointId,
      data: { url: endpoint.url, consecutiveFailures: failures },
    });
  });
}
