import type { EntityManager, EntityName, FilterQuery } from "@mikro-orm/core";
import { Invalid } from "../errors";
import { isCleanText } from "../validate";

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageResult<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf(node: T): string;
  totalCount(): Promise<number>;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`, "utf8").toString("base64url");
}

/** Longer than any cursor encodeCursor gives (an id is at most 36 characters). */
const MAX_CURSOR_LENGTH = 128;

/**
 * The id a cursor holds. A cursor is the client's text: one this server did not issue — too long,
 * not `id:…`, or decoding to NUL or a lone surrogate, which no id holds and no database takes as
 * text — is the client's error (BAD_USER_INPUT), not echoed back whole.
 */
export function decodeCursor(cursor: string): string {
  if (cursor.length > MAX_CURSOR_LENGTH) throw new Invalid(`cursor "${cursor.slice(0, 32)}…" is not one this server issued`);
  // Bytes that are not UTF-8 decode to U+FFFD; no id holds it, nor NUL.
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith("id:") || text.length < 4 || !isCleanText(text) || text.includes("\uFFFD")) {
    throw new Invalid(`cursor "${cursor}" is not one this server issued`);
  }
  return text.slice(3);
}

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw new Invalid(`first must be between 0 and ${MAX_PAGE_SIZE}`);
  return size;
}

/**
 * Keyset pagination by id (UUIDv7, so creation order): `id > after ORDER BY id LIMIT first + 1`,
 * an index range scan whatever the page number. The count runs only if the client asks for it.
 */
export async function pageByKeyset<T extends { id: string }>(
  em: EntityManager, entity: EntityName<T>, where: FilterQuery<T>, args: PageArgs,
): Promise<PageResult<T>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after) : null;
  const condition = (after ? { $and: [where, { id: { $gt: after } }] } : where) as FilterQuery<T>;
  const rows = size === 0 ? [] : await em.find(entity, condition, { orderBy: { id: "asc" } as never, limit: size + 1 });
  return {
    nodes: rows.slice(0, size) as T[],
    hasNextPage: rows.length > size,
    hasPreviousPage: after !== null,
    cursorOf: (node) => encodeCursor(node.id),
    totalCount: () => em.count(entity, where),
  };
}
