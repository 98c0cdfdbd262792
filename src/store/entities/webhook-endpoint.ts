import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

/**
 * Where an organization wants its events delivered, signed per the Standard Webhooks spec. The
 * signing secret cannot be stored hashed (it signs every delivery), so it is stored sealed under
 * the server's key (domain/webhooks/signing-secrets.ts) and shown once, when made or rotated.
 */
@Entity({ tableName: "webhook_endpoint" })
export class WebhookEndpoint {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade", index: true })
  organization!: Organization;

  @Property({ type: "text" })
  url!: string;

  @Property({ type: "string", nullable: true })
  description: string | null = null;

  /** The event types delivered; null delivers every type. */
  @Property({ type: "json", nullable: true })
  eventTypes: string[] | null = null;

  @Property({ type: "boolean" })
  enabled: boolean = true;

  /** Why the endpoint was disabled, when the server disabled it after failures. */
  @Property({ type: "string", nullable: true })
  disabledReason: string | null = null;

  @Property({ type: "text" })
  sealedSecret!: string;

  /** The secret before the last rotation: it still signs, beside the new one, until it expires. */
  @Property({ type: "text", nullable: true })
  previousSealedSecret: string | null = null;

  @Property({ type: DateTimeType, nullable: true })
  previousSecretExpiresAt: Date | null = null;

  /** Failed attempts in a row, across deliveries; a success resets it. */
  @Property({ type: "integer" })
  consecutiveFailures: number = 0;

  @Property({ type: "integer" })
  version: number = 1;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType })
  updatedAt: Date = new Date();
}
