import type { AccessReviewRecord, ReviewedGrant } from "../domain/queries/access-review";
import { csvRecord } from "./csv";

/**
 * The access review as a file, written the same by the HTTP endpoint and the CLI (so both give the
 * same bytes): JSON lines, one record a line, or CSV with a header line. The domain hands records;
 * this only spells them.
 */
export type AccessReviewFormat = "jsonl" | "csv";

export const ACCESS_REVIEW_FORMATS: readonly AccessReviewFormat[] = ["jsonl", "csv"];

export const ACCESS_REVIEW_CONTENT_TYPES: Record<AccessReviewFormat, string> = {
  jsonl: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

export const ACCESS_REVIEW_CSV_HEADER = [
  "user_id", "user_name", "account_id", "account_name", "role_id", "role_key", "role_name", "grant_kinds", "provenance",
];

/** The format a request names (none: JSON lines), or null when it names one there is not. */
export function accessReviewFormatOf(value: string | undefined): AccessReviewFormat | null {
  if (value === undefined) return "jsonl";
  return (ACCESS_REVIEW_FORMATS as readonly string[]).includes(value) ? (value as AccessReviewFormat) : null;
}

/** `access-review-<organization id>-<UTC date>.<format>`: the name a download is saved under. */
export function accessReviewFileName(organizationId: string, format: AccessReviewFormat, at: Date): string {
  return `access-review-${organizationId}-${at.toISOString().slice(0, 10)}.${format}`;
}

/** Text is handed on in pieces of about this many characters: one write per record would cost more than the formatting. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The file's text, piece by piece as the records arrive: nothing is read ahead of what the reader
 * takes. Returning from it (a client that went away) returns from `records` too, so no further
 * page of the directory is read.
 */
export async function* accessReviewText(records: AsyncIterable<AccessReviewRecord>, format: AccessReviewFormat): AsyncGenerator<string> {
  const line = format === "csv" ? csvLine : jsonLine;
  let text = format === "csv" ? csvRecord(ACCESS_REVIEW_CSV_HEADER) : "";
  for await (const record of records) {
    text += line(record);
    if (text.length >= CHUNK_CHARS) {
      yield text;
      text = "";
    }
  }
  if (text.length > 0) yield text;
}

/** One JSON line; every grant has every key (null or [] where its kind has none), so consumers need no per-kind schema. */
export function jsonLine(record: AccessReviewRecord): string {
  return `${JSON.stringify({
    userId: record.user.id,
    userName: record.user.userName,
    accountId: record.account.id,
    accountName: record.account.name,
    roleId: record.role.id,
    roleKey: record.role.key,
    roleName: record.role.name,
    grants: record.grants.map(grantJson),
  })}\n`;
}

function grantJson(grant: ReviewedGrant): Record<string, unknown> {
  return {
    kind: grant.kind,
    scope: grant.kind === "DEFAULT" ? null : grant.scope,
    bindingId: grant.kind === "DIRECT" || grant.kind === "GROUP" ? grant.bindingId : null,
    groupIds: grant.kind === "GROUP" ? grant.groupChain : [],
    mappingId: grant.kind === "MAPPING" ? grant.mappingId : null,
    idpValue: grant.kind === "MAPPING" ? grant.idpValue : null,
  };
}

export function csvLine(record: AccessReviewRecord): string {
  return csvRecord([
    record.user.id, record.user.userName, record.account.id, record.account.name, record.role.id, record.role.key, record.role.name,
    [...new Set(record.grants.map((g) => g.kind))].join("|"),
    record.grants.map(provenanceOf).join("; "),
  ]);
}

/**
 * One grant as a person reads it: `DIRECT via binding <id> [account]`, `GROUP SRE>Platform via
 * binding <id> [organization]` (the chain from the user's own group up to the bound group, by
 * name), `MAPPING "Admin" (<mapping id>) [organization]`, `DEFAULT role`. The ids are the JSON
 * format's, for following a line back to the directory.
 */
export function provenanceOf(grant: ReviewedGrant): string {
  switch (grant.kind) {
    case "DIRECT":
      return `DIRECT via binding ${grant.bindingId} [${grant.scope.toLowerCase()}]`;
    case "GROUP":
      return `GROUP ${grant.groupNames.join(">")} via binding ${grant.bindingId} [${grant.scope.toLowerCase()}]`;
    case "MAPPING":
      return `MAPPING ${JSON.stringify(grant.idpValue)} (${grant.mappingId}) [${grant.scope.toLowerCase()}]`;
    case "DEFAULT":
      return "DEFAULT role";
  }
}
