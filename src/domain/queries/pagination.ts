import type { EntityManager, EntityName, FilterQuery } from "@mikro-orm/core";
import { Invalid } from "../errors";

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

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith("id:") || text.length < 4) throw new Invalid(`cursor "${cursor}" is not one this server issued`);
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
