import type { EntityManager } from "@mikro-orm/core";
import type { ClaimedDelivery, DeliveryMaterial, DeliveryUpdate, EventStore } from "../../domain/ports/events";
import { idFloorAt } from "../ids";
import { dateColumn, type Row } from "./rows";
import type { StoreDialect } from "./store-dialect";

type Run = (em: EntityManager, sql: string, params: unknown[]) => Promise<Row[]>;

/** The columns an attempt's outcome writes, as saveAttempts binds them. */
const ATTEMPT_FIELDS = {
  id: "text", status: "text", next_attempt_at: "timestamp", last_status: "integer", last_error: "text", attempt: "json", delivered_at: "timestamp",
} as const;

/** An endpoint's attempts in a round, as countEndpointAttempts binds them. */
const TALLY_FIELDS = { id: "text", failed: "integer" } as const;

/**
 * The lowest id an event created at `createdSince` can have (ids are UUIDv7, their creation time
 * first), or the lowest of all: where an unsequenced event's index range starts to be read. On
 * PostgreSQL the range's older part holds the entries sequenced events left behind until a VACUUM.
 */
function idFloor(createdSince: Date | null): string {
  return createdSince === null ? "" : idFloorAt(createdSince);
}

/** The event feed's and the webhook dispatch's statements, in SQL both databases speak. */
export class SqlEventStore implements EventStore {
  constructor(private readonly dialect: StoreDialect, private readonly run: Run) {}

  async hasUnsequencedEvents(em: EntityManager, createdSince: Date | null): Promise<boolean> {
    // The unsequenced rows are one range of the (position, id) index, read from its newest end: on
    // PostgreSQL the range also holds an entry for every event sequenced since the last VACUUM
    // (the update that gives an event its position leaves the old one behind), all older than the
    // events waiting now. Read from the oldest end, each round stepped over thousands of them.
    return (await this.run(em, `
      select 1 as found from audit_event where position is null and id >= ? order by position desc, id desc limit 1`, [idFloor(createdSince)])).length > 0;
  }

  async sequenceEvents(em: EntityManager, limit: number, now: Date, createdSince: Date | null): Promise<number> {
    const [sequence] = await this.run(em, `select s.last_position from event_sequence s where s.name = 'events' ${this.dialect.lockRowsOf("s")}`, []);
    if (!sequence) throw new Error("the event_sequence row is missing: the migrations did not run");
    const last = Number(sequence.last_position);
    // Positions follow id order (UUIDv7: creation order) among the events visible now; an event
    // still uncommitted is invisible here and gets a later position once it commits.
    const sequenced = await this.run(em, `
      update audit_event set position = s.n + ?
      from (select id, row_number() over (order by id) as n from audit_event where position is null and id >= ? order by id limit ?) s
      where audit_event.id = s.id
      returning audit_event.position`, [last, idFloor(createdSince), limit]);
    if (sequenced.length === 0) return 0;
    const upTo = last + sequenced.length;
    await this.run(em, `
      insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
      select w.id || ':' || e.id, w.id, e.id, e.position, e.type, e.target_id, 'pending', 0, ?, '[]', ?
      from webhook_endpoint w
      join audit_event e on e.organization_id = w.organization_id and e.position > ? and e.position <= ?
      where w.enabled and (w.event_types is null or ${this.dialect.jsonArrayHasText("w.event_types", "e.type")})
      on conflict do nothing`, [this.dialect.dateParam(now), this.dialect.dateParam(now), last, upTo]);
    await this.run(em, `update event_sequence set last_position = ? where name = 'events'`, [upTo]);
    return sequenced.length;
  }

  async deliveryMaterial(em: EntityManager, deliveryIds: string[]): Promise<DeliveryMaterial[]> {
    if (deliveryIds.length === 0) return [];
    const d = this.dialect;
    const rows = await this.run(em, `
      select d.id as delivery_id, d.endpoint_id, w.url, w.sealed_secret, w.previous_sealed_secret, w.previous_secret_expires_at,
        e.id as event_id, e.type, e.created_at, ${d.jsonObjectText([
          ["id", "e.id"], ["position", "e.position"], ["type", "e.type"], ["occurredAt", d.isoTimestamp("e.created_at")],
          ["organizationId", "e.organization_id"], ["actorType", "e.actor_type"], ["actorId", "e.actor_id"],
          ["targetType", "e.target_type"], ["targetId", "e.target_id"], ["data", d.jsonColumn("e.data", d.nullText)],
        ])} as event_json
      from webhook_delivery d
      join webhook_endpoint w on w.id = d.endpoint_id
      left join audit_event e on e.id = d.event_id
      where d.id in (${d.idsFromJson("?")})`, [JSON.stringify(deliveryIds)]);
    return rows.map((row) => ({
      deliveryId: row.delivery_id as string,
      endpointId: row.endpoint_id as string,
      url: row.url as string,
      sealedSecret: row.sealed_secret as string,
      previousSealedSecret: (row.previous_sealed_secret as string | null) ?? null,
      previousSecretExpiresAt: dateColumn(row.previous_secret_expires_at),
      event: row.event_id === null || row.event_id === undefined ? null : {
        type: row.type as string, createdAt: dateColumn(row.created_at) as Date, json: row.event_json as string,
      },
    }));
  }

  async endpointsWithDeliveriesDue(em: EntityManager, now: Date): Promise<number> {
    // Per enabled endpoint, whether any pending delivery is due: a probe of the (status, endpoint,
    // position) index that stops at its first due row. Counted over the deliveries instead, every
    // round read the whole backlog, and under a stream of creates the backlog grew with each round.
    const [row] = await this.run(em, `
      select count(*) as endpoints
      from webhook_endpoint w
      where w.enabled and exists (
        select 1 from webhook_delivery d where d.status = 'pending' and d.endpoint_id = w.id and d.next_attempt_at <= ?)`, [this.dialect.dateParam(now)]);
    return Number(row?.endpoints ?? 0);
  }

  async claimDeliveries(
    em: EntityManager, owner: string, now: Date, leaseUntil: Date, claim: { limit: number; perEndpoint: number; excludedEndpoints: string[] },
  ): Promise<ClaimedDelivery[]> {
    const at = this.dialect.dateParam(now);
    // Per enabled endpoint, its first `perEndpoint` claimable deliveries in position order (the
    // (status, endpoint, position) index: a short range scan each); then turns across endpoints.
    // A candidate waits while an earlier delivery of its key is pending: the OFFSET keeps that
    // NOT EXISTS a subquery run per candidate, a probe of the pending-order index with all three
    // of its columns; PostgreSQL turns a plain NOT EXISTS into an anti join, and with statistics
    // that say almost nothing is pending it read all the endpoint's pending rows per candidate.
    const rows = await this.run(em, `
      update webhook_delivery
      set lease_owner = ?, lease_until = ?, attempts = attempts + 1, last_attempt_at = ?, first_attempt_at = coalesce(first_attempt_at, ?)
      where ${this.dialect.idAmong("id", `
        select f.id from (
          select x.id, x.event_position, row_number() over (partition by x.endpoint_id order by x.event_position) as turn
          from webhook_endpoint w
          ${this.dialect.joinPicked("webhook_delivery", "x", `
            select c.id from webhook_delivery c
            where c.status = 'pending' and c.endpoint_id = w.id and c.next_attempt_at <= ? and (c.lease_until is null or c.lease_until < ?)
              and not exists (
                select 1 from webhook_delivery p
                where p.endpoint_id = c.endpoint_id and p.ordering_key = c.ordering_key and p.event_position < c.event_position
                  and p.status = 'pending'
                limit 1 offset 0)
            order by c.event_position
            limit ? ${this.dialect.skipLockedOf("c")}`)}
          where w.enabled and w.id not in (${this.dialect.idsFromJson("?")})) f
        order by f.turn, f.event_position
        limit ?`)}
      returning id, endpoint_id, event_id, attempts, first_attempt_at`,
    [owner, this.dialect.dateParam(leaseUntil), at, at, at, at, claim.perEndpoint, JSON.stringify(claim.excludedEndpoints), claim.limit]);
    return rows.map((row) => ({
      id: row.id as string,
      endpointId: row.endpoint_id as string,
      eventId: row.event_id as string,
      attempts: Number(row.attempts),
      firstAttemptAt: new Date(row.first_attempt_at as string | number),
    }));
  }

  async saveAttempts(em: EntityManager, owner: string, updates: DeliveryUpdate[], logSize: number): Promise<Set<string>> {
    if (updates.length === 0) return new Set();
    // One statement of fixed text (prepared once) for any batch: each row joins its own values,
    // and its log grows in place (no read of the logs first).
    const at = (date: Date | null) => (date === null ? null : this.dialect.dateParam(date));
    const records = updates.map((u) => ({
      id: u.id, status: u.status, next_attempt_at: at(u.nextAttemptAt), last_status: u.lastStatus, last_error: u.lastError,
      attempt: u.attempt, delivered_at: at(u.deliveredAt),
    }));
    const held = await this.run(em, `
      update webhook_delivery set status = u.status, next_attempt_at = u.next_attempt_at, last_status = u.last_status, last_error = u.last_error,
        attempt_log = ${this.dialect.jsonArrayAppendCapped("webhook_delivery.attempt_log", "u.attempt", logSize)},
        delivered_at = u.delivered_at, lease_owner = null, lease_until = null
      from (${this.dialect.recordsFromJson("?", ATTEMPT_FIELDS)}) u
      where webhook_delivery.id = u.id and webhook_delivery.lease_owner = ?
      returning webhook_delivery.id`, [JSON.stringify(records), owner]);
    return new Set(held.map((row) => row.id as string));
  }

  async countEndpointAttempts(em: EntityManager, tallies: Array<{ endpointId: string; failed: number }>): Promise<Map<string, number>> {
    if (tallies.length === 0) return new Map();
    // A round of successes to endpoints with no failures in a row (the steady state) writes nothing.
    const rows = await this.run(em, `
      update webhook_endpoint set consecutive_failures = case when t.failed = 0 then 0 else webhook_endpoint.consecutive_failures + t.failed end
      from (${this.dialect.recordsFromJson("?", TALLY_FIELDS)}) t
      where webhook_endpoint.id = t.id and (t.failed > 0 or webhook_endpoint.consecutive_failures <> 0)
      returning webhook_endpoint.id, webhook_endpoint.consecutive_failures`,
    [JSON.stringify(tallies.map(({ endpointId, failed }) => ({ id: endpointId, failed })))]);
    const failedIds = new Set(tallies.filter((t) => t.failed > 0).map((t) => t.endpointId));
    return new Map(rows.filter((row) => failedIds.has(row.id as string)).map((row) => [row.id as string, Number(row.consecutive_failures)]));
  }

  async pruneBefore(em: EntityManager, before: Date, limit: number): Promise<number> {
    const at = this.dialect.dateParam(before);
    await this.run(em, `
      delete from webhook_delivery where id in (
        select id from webhook_delivery where created_at < ? and status <> 'pending' limit ?)`, [at, limit]);
    // Only sequenced events go: an old event still waiting for its position is delivered first.
    const deleted = await this.run(em, `
      delete from audit_event where id in (
        select id from audit_event where created_at < ? and position is not null limit ?)
      returning id`, [at, limit]);
    return deleted.length;
  }
}
