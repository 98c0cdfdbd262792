import type { EntityManager, FilterQuery } from "@mikro-orm/core";
import { AuditEvent } from "../../store/entities";
import type { Actor } from "../actor";
import { Invalid } from "../errors";
import { readVisibleOrganization } from "../lookup";
import { pageSize, type PageResult } from "../queries/pagination";
import { assertEventTypes } from "./event-types";
import { sequenceEvents } from "./sequence";

export interface FeedArgs {
  /** The cursor of the last event read; none starts at the oldest event kept. */
  after?: string | null;
  /** Only these types; none or empty for all. */
  types?: string[] | null;
  first?: number | null;
}

const CURSOR_PREFIX = "position:";

export function encodePositionCursor(position: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`, "utf8").toString("base64url");
}

export function decodePositionCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const position = Number(text.slice(CURSOR_PREFIX.length));
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(position) || position < 0) {
    throw new Invalid(`cursor "${cursor}" is not an event cursor this server issued`);
  }
  return position;
}

/**
 * One page of an organization's events in feed order (by position), after a cursor. Positions are
 * handed out gap-free in the order events became visible, so a reader that pages with `after` sees
 * every event exactly once, also one that committed while it was reading. Events committed but not
 * yet sequenced are sequenced first, so a caller reads its own changes at once.
 */
export async function listEvents(em: EntityManager, actor: Actor, organizationId: string, args: FeedArgs): Promise<PageResult<AuditEvent>> {
  await readVisibleOrganization(em, actor, organizationId);
  const size = pageSize(args.first);
  const after = args.after ? decodePositionCursor(args.after) : 0;
  const types = args.types?.length ? args.types : null;
  if (types) assertEventTypes(types);
  await sequenceEvents(em);
  const where: FilterQuery<AuditEvent> = { organizationId, position: { $gt: after }, ...(types ? { type: { $in: types } } : {}) };
  const rows = size === 0 ? [] : await em.find(AuditEvent, where, { orderBy: { position: "asc" }, limit: size + 1 });
  return {
    nodes: rows.slice(0, size),
    hasNextPage: rows.length > size,
    hasPreviousPage: after > 0,
    cursorOf: (event) => encodePositionCursor(event.position ?? 0),
    totalCount: () => em.count(AuditEvent, { organizationId, position: { $ne: null }, ...(types ? { type: { $in: types } } : {}) }),
  };
}
