import { GraphQLSafeInt } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Connection } from "./connection";
import { EventType } from "./event.type";

export enum WebhookDeliveryStatusEnum {
  PENDING = "pending",
  SUCCEEDED = "succeeded",
  FAILED = "failed",
}
registerEnumType(WebhookDeliveryStatusEnum, {
  name: "WebhookDeliveryStatus",
  description: "PENDING: not delivered yet (retrying with back-off); SUCCEEDED: the receiver answered 2xx; FAILED: the retry window closed",
});

@ObjectType("WebhookEndpoint", { description: "Where an organization's events are delivered, signed per the Standard Webhooks spec" })
export class WebhookEndpointType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [String], { nullable: true, description: "The event types delivered; null delivers every type" })
  eventTypes!: string[] | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: "Why the server disabled the endpoint (enable it again with updateWebhookEndpoint)" })
  disabledReason!: string | null;

  @Field(() => Int, { description: "Failed attempts in a row; a success resets it" })
  consecutiveFailures!: number;

  @Field(() => Date, { nullable: true, description: "Until when the secret rotated out still signs beside the current one" })
  previousSecretExpiresAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class WebhookEndpointConnection extends Connection(WebhookEndpointType, "WebhookEndpoint") {}

@ObjectType("WebhookEndpointWithSecret", { description: "An endpoint and its signing secret (`whsec_…`): copy the secret now, it is shown once" })
export class WebhookEndpointWithSecretType {
  @Field(() => String)
  secret!: string;

  @Field(() => WebhookEndpointType)
  endpoint!: WebhookEndpointType;
}

@ObjectType("WebhookAttempt", { description: "One attempt of a delivery" })
export class WebhookAttemptType {
  @Field(() => Date)
  at!: Date;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when no response came" })
  status!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { description: "The start of the receiver's answer" })
  response!: string;
}

@ObjectType("WebhookDelivery", { description: "One event to deliver to one endpoint, with its attempts" })
export class WebhookDeliveryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => GraphQLSafeInt)
  eventPosition!: number;

  @Field(() => WebhookDeliveryStatusEnum)
  status!: WebhookDeliveryStatusEnum;

  @Field(() => Int, { description: "Attempts in the current series (a replay starts a new one)" })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: "When the next attempt is due, while PENDING" })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => [WebhookAttemptType], { description: "The last attempts, oldest first" })
  attemptLog!: WebhookAttemptType[];

  @Field(() => EventType, { nullable: true, description: "The event delivered; null once it is past the retention period" })
  event!: EventType | null;
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDeliveryType, "WebhookDelivery") {}
