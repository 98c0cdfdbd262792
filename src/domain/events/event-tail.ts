import type { EntityManager, MetadataStorage } from "@mikro-orm/core";
import { ApiKey, AuditEvent } from "../../store/entities";
import type { Actor } from "../actor";
import { onEventsCommitted } from "./commit-signal";
import { sequenceEvents } from "./sequence";

/** Events read per statement: a burst bigger than this is read in several. */
const BATCH = 500;

/**
 * Events a follower may have waiting for its consumer. One whose consumer reads slower than its
 * organization writes is given no more until it has room: its position stays behind the tail's,
 * and later looks read its organization's events from there (the feed keeps them), so a slow
 * consumer costs memory for this many events, not for its whole backlog.
 */
export const MAX_WAITING_EVENTS = 1_000;

/** The shortest pause between two looks: a stream of commits costs at most fifty looks a second. */
const MIN_LOOK_GAP_MS = 20;

/** How often a run of failed looks is reported: at its first failure, then at most this often while it lasts. */
const FAILURE_REPORT_EVERY_MS = 60_000;

/** How the tail runs: how often it looks without being woken, and where failed looks are reported. */
export interface TailOptions {
  /** How often to look for other processes' events (this process's commits wake it at once). */
  pollMs: number;
  /** Told of a failed look (the next look repeats it): the first of a run, then at most once a minute. */
  onLookFailed: (error: Error) => void;
}

/** One live subscription, as the tail feeds it. */
export interface Follower {
  readonly organizationId: string;
  /** Event types it wants; null for all. */
  readonly wanted: ReadonlySet<string> | null;
  readonly actor: Actor;
  /** The last position it was given (or, when it started, its organization's last). */
  after: number;
  /** How many more events it takes now (its consumer's backlog has a cap). */
  room(): number;
  /** Told of new events for it, in feed order (at most room()), or that its credential was revoked. */
  receive(events: AuditEvent[]): void;
  revoked(): void;
}

/**
 * One reader of the event feed per server process for every live subscription: each look costs
 * the same few statements (sequence, the API keys still valid, the new events of the followed
 * organizations) whether one subscription is open or ten thousand. Each subscription reading the
 * feed itself cost three statements per look per subscription, every look woken by every commit.
 * Looks run when this process commits events and every `pollMs` (other processes' events).
 */
export class EventTail {
  private readonly followers = new Set<Follower>();
  private timer: NodeJS.Timeout | null = null;
  private look: Promise<void> | null = null;
  private again = false;
  private lastLookAt = 0;
  private unsubscribe: (() => void) | null = null;
  /** The feed is read up to here for every follower; null before the first look. */
  private cursor: number | null = null;
  /** When the current run of failed looks was last reported; null while looks succeed. */
  private failureReportedAt: number | null = null;

  constructor(private readonly em: EntityManager, private readonly options: TailOptions) {}

  /** How many subscriptions of this process it feeds. */
  get followerCount(): number {
    return this.followers.size;
  }

  /** Starts feeding `follower` (the tail runs while anyone follows). */
  add(follower: Follower): void {
    this.followers.add(follower);
    if (!this.unsubscribe) {
      this.unsubscribe = onEventsCommitted(() => this.wake());
      this.schedule(this.options.pollMs);
    }
  }

  remove(follower: Follower): void {
    this.followers.delete(follower);
    if (this.followers.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Followers to come start where their organizations stand then, not where this tail stopped.
    this.cursor = null;
  }

  /** Looks soon: at once, or after the shortest gap since the last look. */
  wake(): void {
    if (!this.unsubscribe) return;
    if (this.look) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(0, this.lastLookAt + MIN_LOOK_GAP_MS - Date.now()));
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.look = this.lookOnce().finally(() => {
        this.look = null;
        if (!this.unsubscribe) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else if (!this.timer) {
          this.schedule(this.options.pollMs);
        }
      });
    }, delayMs);
    this.timer.unref();
  }

  private async lookOnce(): Promise<void> {
    this.lastLookAt = Date.now();
    try {
      const em = this.em.fork();
      await sequenceEvents(em);
      await this.endRevoked(em);
      await this.feed(em);
      this.failureReportedAt = null;
    } catch (error) {
      // A failed look (the database restarting) is the next look's to repeat: positions only grow,
      // and every follower's `after` still says where it stands. Reported, but not at every look.
      if (this.failureReportedAt === null || this.lastLookAt - this.failureReportedAt >= FAILURE_REPORT_EVERY_MS) {
        this.failureReportedAt = this.lastLookAt;
        this.options.onLookFailed(error as Error);
      }
    }
  }

  /** Ends the follows whose API key was revoked or deleted meanwhile: one statement for every key. */
  private async endRevoked(em: EntityManager): Promise<void> {
    const keyIds = [...new Set([...this.followers].filter((f) => f.actor.kind === "api_key" && f.actor.id).map((f) => f.actor.id as string))];
    if (keyIds.length === 0) return;
    const live = await em.find(ApiKey, { id: { $in: keyIds }, revokedAt: null }, { fields: ["id"] });
    const valid = new Set(live.map((key) => key.id));
    for (const follower of [...this.followers]) {
      if (follower.actor.kind === "api_key" && follower.actor.id && !valid.has(follower.actor.id)) {
        this.remove(follower);
        follower.revoked();
      }
    }
  }

  /**
   * Hands each follower its organization's new events. Followers behind the tail's position
   * (started since, or given no more while their consumers caught up) get theirs up to it first,
   * read for their organizations only; then the feed is read from the tail's position for every
   * followed organization, batch after batch. A follower that was given all it could take stands
   * at the last position read: none of its organization's events lies between.
   */
  private async feed(em: EntityManager): Promise<void> {
    if (this.followers.size === 0) return;
    const followers = [...this.followers];
    const full = new Set<Follower>();
    const cursor = this.cursor ?? Math.min(...followers.map((f) => f.after));
    const behind = followers.filter((f) => f.after < cursor && f.room() > 0);
    if (behind.length > 0) await this.read(em, behind, Math.min(...behind.map((f) => f.after)), cursor, full);
    const end = await this.read(em, followers, cursor, null, full);
    this.cursor = end;
    // Only those read for, and given all: one that began following during this look, or whose
    // consumer had no room, is read for from its own position at the next.
    for (const follower of followers) if (!full.has(follower) && follower.room() > 0) follower.after = Math.max(follower.after, end);
  }

  /**
   * Reads the events of `followers`' organizations in (from, upTo] and hands them out, until the end
   * or until none of them has room; returns the position read up to.
   */
  private async read(em: EntityManager, followers: Follower[], from: number, upTo: number | null, full: Set<Follower>): Promise<number> {
    const organizationIds = [...new Set(followers.map((f) => f.organizationId))];
    let last = from;
    for (;;) {
      const position = upTo === null ? { $gt: last } : { $gt: last, $lte: upTo };
      const events = await em.find(AuditEvent, { organizationId: { $in: organizationIds }, position }, { orderBy: { position: "asc" }, limit: BATCH });
      if (events.length > 0) {
        last = events[events.length - 1].position ?? last;
        this.handOut(events, full);
      }
      if (events.length < BATCH) return upTo ?? last;
      if (followers.every((f) => full.has(f) || !this.followers.has(f))) return last;
    }
  }

  /** Gives each follower its events after its position, as many as it has room for. */
  private handOut(events: AuditEvent[], full: Set<Follower>): void {
    for (const follower of [...this.followers]) {
      if (full.has(follower)) continue;
      const mine = events.filter((event) => event.organizationId === follower.organizationId && (event.position ?? 0) > follower.after
        && (!follower.wanted || follower.wanted.has(event.type)));
      if (mine.length === 0) continue;
      const room = follower.room();
      const given = mine.length > room ? mine.slice(0, room) : mine;
      if (given.length < mine.length) full.add(follower);
      if (given.length === 0) continue;
      follower.after = given[given.length - 1].position ?? follower.after;
      follower.receive(given);
    }
  }
}

const tails = new WeakMap<MetadataStorage, EventTail>();

/**
 * The tail of this process's database (one per ORM: the metadata names it, as for write batches);
 * the first follow's options make it.
 */
export function eventTailOf(em: EntityManager, options: TailOptions): EventTail {
  const key = em.getMetadata();
  let tail = tails.get(key);
  if (!tail) tails.set(key, (tail = new EventTail(em.fork(), options)));
  return tail;
}
