import type { EntityManager, FilterQuery } from "@mikro-orm/core";
import { WebhookDelivery, WebhookEndpoint } from "../../store/entities";
import type { WebhookDeliveryStatus } from "../../store/entities/webhook-delivery";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { findVisible, readVisibleOrganization } from "../lookup";
import { pageByKeyset, pageSize, type PageArgs, type PageResult } from "../queries/pagination";
import { assertOrgVisible } from "../tenancy";

/** An organization's endpoints, oldest first. */
export async function listWebhookEndpoints(em: EntityManager, actor: Actor, organizationId: string, args: PageArgs): Promise<PageResult<WebhookEndpoint>> {
  await readVisibleOrganization(em, actor, organizationId);
  return pageByKeyset(em, WebhookEndpoint, { organization: organizationId }, args);
}

export async function findWebhookEndpoint(em: EntityManager, actor: Actor, id: string): Promise<WebhookEndpoint> {
  return findVisible(em, WebhookEndpoint, "webhook endpoint", id, actor);
}

/** An endpoint's deliveries, newest first: the delivery log. */
export async function listWebhookDeliveries(
  em: EntityManager, actor: Actor, endpointId: string, status: WebhookDeliveryStatus | null, args: PageArgs,
): Promise<PageResult<WebhookDelivery>> {
  await findWebhookEndpoint(em, actor, endpointId);
  const size = pageSize(args.first);
  const before = args.after ? decodeDeliveryCursor(args.after) : null;
  const where: FilterQuery<WebhookDelivery> = { endpoint: endpointId, ...(status ? { status } : {}) };
  const page = before === null ? where : { ...where, eventPosition: { $lt: before } };
  const rows = size === 0 ? [] : await em.find(WebhookDelivery, page, { orderBy: { eventPosition: "desc" }, limit: size + 1 });
  return {
    nodes: rows.slice(0, size),
    hasNextPage: rows.length > size,
    hasPreviousPage: before !== null,
    cursorOf: (delivery) => Buffer.from(`delivery:${delivery.eventPosition}`, "utf8").toString("base64url"),
    totalCount: () => em.count(WebhookDelivery, where),
  };
}

/** A delivery cursor holds its event's position: an endpoint has one delivery per event. */
function decodeDeliveryCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const position = Number(text.slice("delivery:".length));
  if (!text.startsWith("delivery:") || !Number.isSafeInteger(position)) throw new Invalid(`cursor "${cursor}" is not a delivery cursor this server issued`);
  return position;
}

/**
 * Sends a delivery again, as a new series of attempts with a fresh retry window and the same
 * webhook-id (receivers deduplicate on it): for a delivery that failed for good, or one to re-send.
 * Its log keeps the earlier attempts.
 */
export async function replayWebhookDelivery(ctx: CommandContext, id: string): Promise<WebhookDelivery> {
  return runCommand(ctx, async (em) => {
    const delivery = await em.findOne(WebhookDelivery, { id }, { populate: ["endpoint"] });
    if (!delivery) throw NotFound.entity("webhook delivery", id);
    const endpoint = delivery.endpoint as WebhookEndpoint;
    assertOrgVisible(ctx.actor, endpoint.organization.id, "webhook delivery", id);
    Object.assign(delivery, {
      status: "pending", attempts: 0, firstAttemptAt: null, nextAttemptAt: new Date(), leaseOwner: null, leaseUntil: null, deliveredAt: null,
    });
    recordAudit(em, ctx.actor, {
      type: "webhook_delivery.replay", organizationId: endpoint.organization.id, targetType: "webhook_endpoint", targetId: endpoint.id,
      data: { deliveryId: delivery.id, eventId: delivery.eventId },
    });
    return delivery;
  });
}
