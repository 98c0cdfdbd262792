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

/**
 * A SCIM token with its organization's whole row, in the same statement: every SCIM request reads
 * the organization too (its SCIM switch here; its settings when it creates or changes anything),
 * and the request then finds it already read (`keepOrganization` is handed the row).
 */
export async function findScimTokenRecord(run: Run, id: string, keepOrganization: (row: Row) => void): Promise<ScimTokenRecord | null> {
  const [row] = await run(
    `select t.id as token_id, t.secret_hash as token_secret_hash, t.revoked_at as token_revoked_at, t.expires_at as token_expires_at,
            t.last_used_at as token_last_used_at, o.*
       from scim_token t join organization o on o.id = t.organization_id
      where t.id = ?`, [id]);
  if (!row) return null;
  const { token_id, token_secret_hash, token_revoked_at, token_expires_at, token_last_used_at, ...organization } = row;
  const token = credential({
    id: token_id, secret_hash: token_secret_hash, organization_id: row.id, revoked_at: token_revoked_at, expires_at: token_expires_at, last_used_at: token_last_used_at,
  });
  keepOrganization(organization);
  return { ...token, organizationId: row.id as string, scimEnabled: booleanColumn(row.scim_enabled) };
}
