import { BigIntType, DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property } from "@mikro-orm/core";
import { WebhookEndpoint } from "./webhook-endpoint";

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

/** One attempt, as the delivery log shows it. */
export interface WebhookAttempt {
  at: string;
  durationMs: number;
  /** The receiver's HTTP status; null when no response came. */
  status: number | null;
  error: string | null;
  /** The start of the receiver's answer, for the admin reading the log. */
  response: string;
}

/**
 * One event to deliver to one endpoint: made by the sequencer when the event gets its position
 * (set-based, for every endpoint that wants it), claimed by a dispatcher with a lease, retried with
 * back-off until it succeeds or the retry window closes. The Standard Webhooks `webhook-id` is the
 * event's id, the same on every attempt and every replay.
 */
@Entity({ tableName: "webhook_delivery" })
// Claims read each endpoint's pending deliveries in position order: one range of this index per endpoint.
@Index({ name: "webhook_delivery_status_endpoint_position_index", properties: ["status", "endpoint", "eventPosition"] })
// A claim passes over a delivery while an earlier one of its key (its user, its group) is pending:
// a probe of this index per candidate. It holds pending deliveries only, so the probe reads no
// delivered rows, and it is the one index that fits the probe whatever the statistics say.
@Index({
  name: "webhook_delivery_pending_order_index",
  expression: "create index webhook_delivery_pending_order_index on webhook_delivery (endpoint_id, ordering_key, event_position) where status = 'pending'",
})
@Index({ name: "webhook_delivery_endpoint_position_index", properties: ["endpoint", "eventPosition"] })
export class WebhookDelivery {
  /** `<endpoint id>:<event id>`: made in SQL by the sequencer, and one delivery per endpoint and event. */
  @PrimaryKey({ type: "string", length: 80 })
  id!: string;

  // index: false — the (endpoint, position) index serves the foreign key: one index less to write per delivery.
  @ManyToOne(() => WebhookEndpoint, { deleteRule: "cascade", index: false })
  endpoint!: WebhookEndpoint;

  @Property({ type: "string", length: 36 })
  eventId!: string;

  @Property({ type: new BigIntType("number") })
  eventPosition!: number;

  @Property({ type: "string", length: 64 })
  eventType!: string;

  /** Deliveries with one key (the event's target: a user, a group) go in position order. */
  @Property({ type: "string", length: 36, nullable: true })
  orderingKey: string | null = null;

  @Property({ type: "string", length: 16 })
  status: WebhookDeliveryStatus = "pending";

  @Property({ type: "integer" })
  attempts: number = 0;

  @Property({ type: DateTimeType })
  nextAttemptAt!: Date;

  @Property({ type: DateTimeType, nullable: true })
  firstAttemptAt: Date | null = null;

  @Property({ type: DateTimeType, nullable: true })
  lastAttemptAt: Date | null = null;

  /** The dispatcher holding the delivery, until leaseUntil; another claims it after. */
  @Property({ type: "string", length: 64, nullable: true })
  leaseOwner: string | null = null;

  @Property({ type: DateTimeType, nullable: true })
  leaseUntil: Date | null = null;

  @Property({ type: "integer", nullable: true })
  lastStatus: number | null = null;

  @Property({ type: "text", nullable: true })
  lastError: string | null = null;

  /** The last attempts, newest last (bounded). */
  @Property({ type: "json" })
  attemptLog: WebhookAttempt[] = [];

  @Property({ type: DateTimeType, nullable: true })
  deliveredAt: Date | null = null;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
