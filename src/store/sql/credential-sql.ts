import type { ApiKeyRecord, CredentialRecord, ScimTokenRecord } from "../../domain/ports/records";
import { booleanColumn, dateColumn, type Row } from "./rows";

/**
 * The rows authentication needs, each read with one statement: every API and SCIM request
 * authenticates, so this path stays as short as the lookup itself. Both databases run the same text.
 */
type Run = (sql: string, params: unknown[]) => Promise<Row[]>;

function credential(row: Row): CredentialRecord {
  return {
    id: row.id as string,
    secretHash: row.secret_hash as string,
    organizationId: (row.organization_id as string | null) ?? null,
    revokedAt: dateColumn(row.revoked_at),
    expiresAt: dateColumn(row.expires_at),
    lastUsedAt: dateColumn(row.last_used_at),
  };
}

export async function findApiKeyRecord(run: Run, id: string): Promise<ApiKeyRecord | null> {
  const [row] = await run(`select id, secret_hash, organization_id, role, revoked_at, null as expires_at, last_used_at from api_key where id = ?`, [id]);
  return row ? { ...credential(row), role: row.role as ApiKeyRecord["role"] } : null;
}

export async function findScimTokenRecord(run: Run, id: string): Promise<ScimTokenRecord | null> {
  const [row] = await run(
    `select t.id, t.secret_hash, t.organization_id, t.revoked_at, t.expires_at, t.last_used_at, o.scim_enabled
       from scim_token t join organization o on o.id = t.organization_id
      where t.id = ?`, [id]);
  return row ? { ...credential(row), organizationId: row.organization_id as string, scimEnabled: booleanColumn(row.scim_enabled) } : null;
}
