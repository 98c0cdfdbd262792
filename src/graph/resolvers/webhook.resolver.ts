import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { WebhookDelivery } from "../../domain/model";
import { findWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints, replayWebhookDelivery } from "../../domain/webhooks/delivery-log";
import { createWebhookEndpoint, deleteWebhookEndpoint, rotateWebhookSecret, updateWebhookEndpoint } from "../../domain/webhooks/endpoints";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { CreateWebhookEndpointInput, RotateWebhookSecretInput, UpdateWebhookEndpointInput } from "../inputs/webhook.input";
import { toConnection } from "../types/connection";
import { EventType } from "../types/event.type";
import {
  WebhookAttemptType, WebhookDeliveryConnection, WebhookDeliveryStatusEnum, WebhookDeliveryType, WebhookEndpointConnection, WebhookEndpointType,
  WebhookEndpointWithSecretType,
} from "../types/webhook.type";
import { eventNode } from "./event.resolver";
import { PageArgsType } from "./organization.resolver";

@Resolver(() => WebhookEndpointType)
export class WebhookEndpointResolver {
  @Query(() => WebhookEndpointConnection, { complexity: pagedComplexity, description: "An organization's webhook endpoints (never their secrets)" })
  async webhookEndpoints(@Arg("organizationId", () => ID) organizationId: string, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listWebhookEndpoints(ctx.em, ctx.actor, organizationId, page));
  }

  @Query(() => WebhookEndpointType)
  webhookEndpoint(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findWebhookEndpoint(ctx.em, ctx.actor, id);
  }

  @Query(() => WebhookDeliveryConnection, { complexity: pagedComplexity, description: "An endpoint's delivery log, newest first" })
  async webhookDeliveries(
    @Arg("endpointId", () => ID) endpointId: string,
    @Arg("status", () => WebhookDeliveryStatusEnum, { nullable: true }) status: WebhookDeliveryStatusEnum | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    return toConnection(await listWebhookDeliveries(ctx.em, ctx.actor, endpointId, status, page));
  }

  @Mutation(() => WebhookEndpointWithSecretType, { description: "Creates an endpoint; its signing secret is in this response only" })
  createWebhookEndpoint(@Arg("input") input: CreateWebhookEndpointInput, @Ctx() ctx: GraphContext) {
    return createWebhookEndpoint(ctx, ctx.webhooks, input);
  }

  @Mutation(() => WebhookEndpointType)
  updateWebhookEndpoint(@Arg("input") input: UpdateWebhookEndpointInput, @Ctx() ctx: GraphContext) {
    return updateWebhookEndpoint(ctx, ctx.webhooks, input);
  }

  @Mutation(() => Boolean, { description: "Deletes an endpoint with its delivery log" })
  deleteWebhookEndpoint(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteWebhookEndpoint(ctx, id);
  }

  @Mutation(() => WebhookEndpointWithSecretType, {
    description: "Gives an endpoint a new signing secret (in this response only); the old one keeps signing beside it for overlapSeconds",
  })
  rotateWebhookEndpointSecret(@Arg("input") input: RotateWebhookSecretInput, @Ctx() ctx: GraphContext) {
    return rotateWebhookSecret(ctx, ctx.webhooks, input);
  }
}

@Resolver(() => WebhookDeliveryType)
export class WebhookDeliveryResolver {
  @FieldResolver(() => Date, { nullable: true })
  nextAttemptAt(@Root() delivery: WebhookDelivery) {
    return delivery.status === "pending" ? delivery.nextAttemptAt : null;
  }

  @FieldResolver(() => [WebhookAttemptType])
  attemptLog(@Root() delivery: WebhookDelivery) {
    return delivery.attemptLog.map((attempt) => ({ ...attempt, at: new Date(attempt.at) }));
  }

  @FieldResolver(() => EventType, { nullable: true })
  async event(@Root() delivery: WebhookDelivery, @Ctx() ctx: GraphContext): Promise<EventType | null> {
    const event = await ctx.loaders.auditEvent.load(delivery.eventId);
    return event ? eventNode(event) : null;
  }

  @Mutation(() => WebhookDeliveryType, { description: "Sends a delivery again (same webhook-id), as a new series of attempts" })
  replayWebhookDelivery(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return replayWebhookDelivery(ctx, id);
  }
}
