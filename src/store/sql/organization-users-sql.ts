import type { UserIdentity } from "../../domain/ports/records";
import type { Row } from "./rows";

type Run = (sql: string, params: unknown[]) => Promise<Row[]>;

/**
 * One keyset page of an organization's users, in id order (UUIDv7: creation order), for reads
 * that walk a whole organization a page at a time (the access review export). Ids sort the same
 * on both databases (lower-case hex and hyphens at fixed places), and the page starts after the
 * last id of the one before, so a user created or deleted meanwhile never shifts the others.
 * An empty string starts before every id, so the text is the same for the first page.
 */
export async function usersOfOrganizationAfter(run: Run, organizationId: string, afterId: string | null, limit: number): Promise<UserIdentity[]> {
  const rows = await run(
    `select id, user_name from "user" where organization_id = ? and id > ? order by id limit ?`,
    [organizationId, afterId ?? "", limit],
  );
  return rows.map((r) => ({ id: r.id as string, userName: r.user_name as string }));
}
