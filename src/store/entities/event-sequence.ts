import { BigIntType, Entity, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * The last position the event sequencer handed out. One row (`events`), made by the migration:
 * the sequencer locks it for the length of its transaction, so sequencers of a fleet take turns,
 * and positions stay gap-free and unique even after retention deletes the newest-but-old events.
 */
@Entity({ tableName: "event_sequence" })
export class EventSequence {
  @PrimaryKey({ type: "string", length: 32 })
  name!: string;

  @Property({ type: new BigIntType("number") })
  lastPosition: number = 0;
}
