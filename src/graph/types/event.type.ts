import { GraphQLSafeInt } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { BoundedJSONObject } from "../scalars/json-object";
import { Connection } from "./connection";

@ObjectType("Event", { description: "A change to the directory, as the event feed and webhooks deliver it" })
export class EventType {
  @Field(() => ID, { description: "Also the Standard Webhooks `webhook-id` of its deliveries" })
  id!: string;

  @Field(() => GraphQLSafeInt, { description: "Its place in the feed: 1, 2, 3… in the order events became visible, with no gaps" })
  position!: number;

  @Field(() => String, { description: "e.g. scim.member.create, role_binding.create (the README lists every type)" })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => String, { description: "api_key, scim_token, cli or system (the server itself)" })
  actorType!: string;

  @Field(() => ID, { nullable: true })
  actorId!: string | null;

  @Field(() => String)
  targetType!: string;

  @Field(() => ID, { nullable: true })
  targetId!: string | null;

  @Field(() => BoundedJSONObject, { nullable: true, description: "What changed; never a secret" })
  data!: Record<string, unknown> | null;
}

@ObjectType()
export class EventConnection extends Connection(EventType, "Event") {}
