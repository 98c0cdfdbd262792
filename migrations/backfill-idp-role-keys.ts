
type Execute = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** Users read and rewritten per statement: bounds both statements' size on a directory of millions. */
const BATCH = 500;

/**
 * Fills `user.idp_role_keys` for users stored before the column existed, from their `roles`, as
 * the domain's idpRoleKeysOf (src/domain/user-attributes.ts) folds them when this migration was
 * written: SQL cannot fold Unicode as JavaScript does, which is why the column exists. A copy, not
 * an import: a migration stays what it was when the domain's code moves on. Pages through the
 * users by id; one UPDATE per page.
 */
export async function backfillIdpRoleKeys(execute: Execute, jsonParam: string): Promise<void> {
  let after = "";
  for (;;) {
    const rows = await execute(`select "id", "roles" from "user" where "id" > ? order by "id" limit ${BATCH}`, [after]);
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id as string;
    const updates: unknown[] = [];
    const ids: string[] = [];
    for (const row of rows) {
      const roles = typeof row.roles === "string" ? parseList(row.roles) : row.roles;
      const keys = foldedValues(roles);
      if (!keys) continue;
      updates.push(row.id, JSON.stringify(keys));
      ids.push(row.id as string);
    }
    if (ids.length === 0) continue;
    await execute(
      `update "user" set "idp_role_keys" = case "id" ${ids.map(() => `when ? then ${jsonParam}`).join(" ")} end where "id" in (${ids.map(() => "?").join(", ")})`,
      [...updates, ...ids]);
  }
}

/** The `value`s of a roles list, trimmed, in Unicode NFC, lower-cased, without repeats, sorted; null when none. */
function foldedValues(roles: unknown): string[] | null {
  if (!Array.isArray(roles)) return null;
  const values = roles.map((role) => (role as { value?: unknown } | null)?.value).filter((v): v is string => typeof v === "string" && v.trim() !== "");
  const keys = [...new Set(values.map((v) => v.trim().normalize("NFC").toLowerCase()))].sort();
  return keys.length > 0 ? keys : null;
}

function parseList(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return [];
  }
}
