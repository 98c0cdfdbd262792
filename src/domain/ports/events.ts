import type { EntityManager } from "@mikro-orm/core";

/** A delivery a dispatcher now holds, until `leaseUntil`. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  /** Attempts so far, this one included. */
  attempts: number;
  firstAttemptAt: Date;
}

/** What one attempt of a leased delivery needs: where, with which secrets, and the event (null once pruned). */
export interface DeliveryMaterial {
  deliveryId: string;
  endpointId: string;
  url: string;
  sealedSecret: string;
  previousSealedSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** Null when the event is no longer kept. */
  event: StoredEventJson | null;
}

/**
 * An event as the store renders it for a webhook body: its type and time, and the whole record as
 * JSON text, exactly the fields of `eventPayload` (domain/events/payload.ts) with `data` as stored.
 * Rendered by the database, so a batch of deliveries costs the serving thread no parse of the
 * event's data and no object per event (the webhooks test holds each delivery equal to the feed).
 */
export interface StoredEventJson {
  type: string;
  createdAt: Date;
  json: string;
}

/** A delivery's state after an attempt, as the dispatcher records it. */
export interface DeliveryUpdate {
  id: string;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  /** The attempt, appended to the delivery's log (which keeps the last ATTEMPT_LOG_SIZE); JSON-serialisable. */
  attempt: unknown;
  deliveredAt: Date | null;
}

/** An event as stored, as plain data (an AuditEvent entity has this shape too). */
export interface EventRecord {
  id: string;
  /** Its place in the feed; null until sequenced. */
  position: number | null;
  type: string;
  createdAt: Date;
  organizationId: string | null;
  /** api_key, scim_token, cli or system, and the credential's id. */
  actorType: string;
  actorId: string | null;
  targetType: string;
  targetId: string | null;
  /** What changed; never a secret. */
  data: Record<string, unknown> | null;
}

/**
 * What the event feed and the webhook dispatch need from storage beyond MikroORM's unit of work:
 * the set-based statements (sequencing and fan-out, claims with their ordering rule, pruning)
 * that the query builder cannot say. store/sql implements it for both databases.
 */
export interface EventStore {
  /**
   * Whether a committed event awaits its position (one indexed read): among the events created
   * at or after `createdSince` (by their ids), or among all of them when it is null.
   */
  hasUnsequencedEvents(em: EntityManager, createdSince: Date | null): Promise<boolean>;
  /**
   * In `em`'s transaction: takes the sequence row's lock, gives the next positions to up to `limit`
   * committed events without one (in id order, so creation order; only those created at or after
   * `createdSince` unless it is null), and makes their deliveries for every enabled endpoint of
   * their organization that wants their type. Returns how many events got positions. Sequencers
   * of a fleet take turns on the lock; an event that commits later gets a later position, so a
   * reader paging by position never skips one.
   */
  sequenceEvents(em: EntityManager, limit: number, now: Date, createdSince: Date | null): Promise<number>;
  /** For each delivery, its endpoint and its event, as plain rows (one statement, on a read connection). */
  deliveryMaterial(em: EntityManager, deliveryIds: string[]): Promise<DeliveryMaterial[]>;
  /** How many enabled endpoints have a pending delivery due at `now` (one read). */
  endpointsWithDeliveriesDue(em: EntityManager, now: Date): Promise<number>;
  /**
   * Leases up to `limit` due deliveries to `owner` until `leaseUntil`, counting the attempt:
   * pending ones of enabled endpoints whose lease (if any) ran out, and only the earliest pending
   * one per endpoint and ordering key, so one user's events reach an endpoint in order. Endpoints
   * take turns: each gives at most `perEndpoint`, its earliest first, and the lease goes to every
   * endpoint's first, then every endpoint's second…, so one endpoint's backlog never holds back
   * another's events; `excludedEndpoints` give none. Two dispatchers never hold one delivery
   * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: its writer).
   */
  claimDeliveries(
    em: EntityManager, owner: string, now: Date, leaseUntil: Date, claim: { limit: number; perEndpoint: number; excludedEndpoints: string[] },
  ): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts: each delivery `owner` still holds takes its new state, its log the attempt
   * (the oldest dropped past `logSize`), and is released (one statement). Returns the ids of those
   * it held: a delivery whose lease ran out belongs to the dispatcher that took it over.
   */
  saveAttempts(em: EntityManager, owner: string, updates: DeliveryUpdate[], logSize: number): Promise<Set<string>>;
  /**
   * Counts a round's attempts against their endpoints, all in one statement: `failed` 0 (a success
   * among them) resets an endpoint's failures in a row, else they grow by `failed`. Returns, for
   * the endpoints that failed, their failures in a row now.
   */
  countEndpointAttempts(em: EntityManager, tallies: Array<{ endpointId: string; failed: number }>): Promise<Map<string, number>>;
  /** Deletes events and finished deliveries created before `before`, up to `limit` rows each; returns how many events went. */
  pruneBefore(em: EntityManager, before: Date, limit: number): Promise<number>;
}
