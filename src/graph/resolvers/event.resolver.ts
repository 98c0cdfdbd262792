import { Arg, Args, Ctx, ID, Query, Resolver, Root, Subscription } from "type-graphql";
import { listEvents } from "../../domain/events/feed";
import { followEvents } from "../../domain/events/follow";
import type { AuditEvent } from "../../domain/model";
import { eventPayload } from "../../domain/events/payload";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { toMappedConnection } from "../types/connection";
import { EventConnection, EventType } from "../types/event.type";
import { PageArgsType } from "./organization.resolver";

/** The event as the Event type renders it (occurredAt a Date), from the payload webhooks send. */
export function eventNode(event: Parameters<typeof eventPayload>[0]): EventType {
  const payload = eventPayload(event);
  return { ...payload, position: payload.position ?? 0, occurredAt: event.createdAt };
}

@Resolver(() => EventType)
export class EventResolver {
  @Query(() => EventConnection, {
    complexity: pagedComplexity,
    description: "An organization's events in feed order. Page with `after` (the last endCursor) to read every event exactly once, also those committed while reading; kept EVENT_RETENTION_DAYS (default 30)",
  })
  async events(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("types", () => [String], { nullable: true, description: "Only these event types" }) types: string[] | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    const result = await listEvents(ctx.em, ctx.actor, organizationId, { ...page, types });
    return toMappedConnection(result, eventNode);
  }

  @Subscription(() => EventType, {
    description: "An organization's events from now on, as they happen (graphql-ws at /graphql/ws; the API key in connectionParams.authorization)",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphContext;
      if (!ctx.eventTail) throw new Error("subscriptions are served over graphql-ws only");
      return followEvents(ctx.em, ctx.actor, args.organizationId as string, (args.types as string[] | null) ?? null, ctx.eventTail);
    },
  })
  directoryEvents(
    @Root() event: AuditEvent,
    @Arg("organizationId", () => ID) _organizationId: string,
    @Arg("types", () => [String], { nullable: true, description: "Only these event types" }) _types: string[] | null,
  ): EventType {
    return eventNode(event);
  }
}
