import { Field, ID, InputType, Int } from "type-graphql";

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String, { description: "https URL the events are POSTed to" })
  url!: string;

  @Field(() => [String], { nullable: true, description: "The event types to deliver; null or empty for every type" })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Default true" })
  enabled?: boolean | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true, description: "Null or empty: every event type; left out: unchanged" })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Enabling an endpoint the server disabled resumes its pending deliveries" })
  enabled?: boolean | null;
}

@InputType()
export class RotateWebhookSecretInput {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true, description: "Seconds the old secret keeps signing beside the new one (default 86400; 0 drops it at once)" })
  overlapSeconds?: number | null;
}
