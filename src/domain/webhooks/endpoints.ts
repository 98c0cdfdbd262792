import { WebhookEndpoint } from "../../store/entities";
import { recordAudit } from "../audit";
import { runCommand, type CommandContext } from "../command";
import { Invalid } from "../errors";
import { assertEventTypes } from "../events/event-types";
import { findVisible, findVisibleOrganization } from "../lookup";
import { DEFAULT_ROTATION_OVERLAP_SECONDS, type WebhookSettings } from "./settings";
import { newSigningSecret, sealSecret } from "./signing-secrets";
import { webhookUrlProblem } from "./url-policy";

export interface EndpointInput {
  url: string;
  /** Null or empty: every event type. */
  eventTypes?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

/** An endpoint with its signing secret: the only time the secret is shown. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

const MAX_DESCRIPTION = 500;

/** Creates an endpoint of an organization; its `whsec_…` secret is returned once and stored sealed. */
export async function createWebhookEndpoint(
  ctx: CommandContext, settings: WebhookSettings, input: EndpointInput & { organizationId: string },
): Promise<EndpointWithSecret> {
  const key = requireSecretKey(settings);
  const url = checkedUrl(input.url, settings);
  const eventTypes = checkedEventTypes(input.eventTypes);
  const description = checkedDescription(input.description);
  return runCommand(ctx, async (em) => {
    const organization = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    const secret = newSigningSecret();
    const endpoint = Object.assign(new WebhookEndpoint(), { organization, url, eventTypes, description, enabled: input.enabled ?? true });
    endpoint.sealedSecret = sealSecret(secret, key, endpoint.id);
    em.persist(endpoint);
    recordAudit(em, ctx.actor, {
      type: "webhook_endpoint.create", organizationId: organization.id, targetType: "webhook_endpoint", targetId: endpoint.id,
      data: { url, eventTypes, enabled: endpoint.enabled },
    });
    return { endpoint, secret };
  });
}

/**
 * Changes an endpoint's URL, event types, description or enabled flag (fields left out stay).
 * Enabling an endpoint the server disabled clears its failures, and its pending deliveries resume.
 */
export async function updateWebhookEndpoint(
  ctx: CommandContext, settings: WebhookSettings, input: { id: string; url?: string | null } & Partial<Omit<EndpointInput, "url">>,
): Promise<WebhookEndpoint> {
  const changes: Partial<WebhookEndpoint> = {};
  if (input.url !== undefined && input.url !== null) changes.url = checkedUrl(input.url, settings);
  if (input.eventTypes !== undefined) changes.eventTypes = checkedEventTypes(input.eventTypes);
  if (input.description !== undefined) changes.description = checkedDescription(input.description);
  if (input.enabled !== undefined && input.enabled !== null) changes.enabled = input.enabled;
  return runCommand(ctx, async (em) => {
    const endpoint = await findVisible(em, WebhookEndpoint, "webhook endpoint", input.id, ctx.actor);
    if (changes.enabled && !endpoint.enabled) Object.assign(changes, { disabledReason: null, consecutiveFailures: 0 });
    touch(endpoint, changes);
    recordAudit(em, ctx.actor, {
      type: "webhook_endpoint.update", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: endpoint.id,
      data: { url: endpoint.url, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled },
    });
    return endpoint;
  });
}

/** Deletes an endpoint with its deliveries and their log. */
export async function deleteWebhookEndpoint(ctx: CommandContext, id: string): Promise<boolean> {
  return runCommand(ctx, async (em) => {
    const endpoint = await findVisible(em, WebhookEndpoint, "webhook endpoint", id, ctx.actor);
    em.remove(endpoint);
    recordAudit(em, ctx.actor, {
      type: "webhook_endpoint.delete", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: id,
      data: { url: endpoint.url, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled },
    });
    return true;
  });
}

/**
 * Gives an endpoint a new secret, shown once. The old one keeps signing beside it for
 * `overlapSeconds` (Standard Webhooks receivers accept any listed signature), so receivers can
 * switch without losing a delivery; 0 drops it at once. A secret rotated out earlier is dropped.
 */
export async function rotateWebhookSecret(
  ctx: CommandContext, settings: WebhookSettings, input: { id: string; overlapSeconds?: number | null },
): Promise<EndpointWithSecret> {
  const key = requireSecretKey(settings);
  const overlapSeconds = input.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 24 * 3600) {
    throw new Invalid("overlapSeconds must be between 0 and 2592000 (30 days)");
  }
  return runCommand(ctx, async (em) => {
    const endpoint = await findVisible(em, WebhookEndpoint, "webhook endpoint", input.id, ctx.actor);
    const secret = newSigningSecret();
    touch(endpoint, {
      previousSealedSecret: overlapSeconds > 0 ? endpoint.sealedSecret : null,
      previousSecretExpiresAt: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null,
      sealedSecret: sealSecret(secret, key, endpoint.id),
    });
    recordAudit(em, ctx.actor, {
      type: "webhook_endpoint.secret_rotate", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: endpoint.id,
      data: { overlapSeconds },
    });
    return { endpoint, secret };
  });
}

function touch(endpoint: WebhookEndpoint, changes: Partial<WebhookEndpoint>): void {
  Object.assign(endpoint, changes, { version: endpoint.version + 1, updatedAt: new Date() });
}

function requireSecretKey(settings: WebhookSettings): Buffer {
  if (!settings.secretKey) {
    throw new Invalid("webhook endpoints need a key to seal their signing secrets: set WEBHOOK_SECRET_KEY on every server process (see the README)");
  }
  return settings.secretKey;
}

function checkedUrl(url: string, settings: WebhookSettings): string {
  const trimmed = url.trim();
  const problem = webhookUrlProblem(trimmed, settings.urlPolicy);
  if (problem) throw new Invalid(`url: ${problem}`);
  return trimmed;
}

function checkedEventTypes(types: string[] | null | undefined): string[] | null {
  if (!types || types.length === 0) return null;
  assertEventTypes(types, "eventTypes");
  return [...new Set(types)].sort();
}

function checkedDescription(description: string | null | undefined): string | null {
  if (description === undefined || description === null || description.trim() === "") return null;
  if (description.length > MAX_DESCRIPTION) throw new Invalid(`description must be at most ${MAX_DESCRIPTION} characters`);
  return description.trim();
}
