import { BigIntType, DateTimeType, Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";

/**
 * One change, written in the same transaction as the change itself. It holds ids, not foreign
 * keys: the record must outlive the user, group or organization it describes.
 *
 * It is also the event the feed and the webhooks deliver (an outbox): once committed, the event
 * sequencer gives it its `position` in the feed (domain/events/sequencer.ts).
 */
@Entity({ tableName: "audit_event" })
@Index({ name: "audit_event_org_id_index", properties: ["organizationId", "id"] })
@Index({ name: "audit_event_target_index", properties: ["targetId"] })
@Index({ name: "audit_event_org_position_index", properties: ["organizationId", "position"] })
@Index({ name: "audit_event_position_id_index", properties: ["position", "id"] })
export class AuditEvent {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @Property({ type: "string", length: 36, nullable: true })
  organizationId: string | null = null;

  /** e.g. `user.create`, `scim.member.update`, `group.member_add`. */
  @Property({ type: "string", length: 64 })
  type!: string;

  @Property({ type: "string", length: 16 })
  actorType!: string;

  @Property({ type: "string", length: 36, nullable: true })
  actorId: string | null = null;

  @Property({ type: "string", length: 32 })
  targetType!: string;

  @Property({ type: "string", length: 36, nullable: true })
  targetId: string | null = null;

  /** What changed: for updates, the new values of the changed fields; never a secret. */
  @Property({ type: "json", nullable: true })
  data: Record<string, unknown> | null = null;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  /**
   * Where the event stands in the feed: 1, 2, 3… in the order events became visible, with no gaps
   * and never reused. Null until the sequencer has seen the event committed; a writer never sets it.
   */
  @Property({ type: new BigIntType("number"), nullable: true })
  position: number | null = null;
}
