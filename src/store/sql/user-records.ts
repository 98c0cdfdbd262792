import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { User } from "./entities";
import { groupsFromJson, type GroupOfUser } from "./memberships";
import type { Row } from "./raw-sql";
import { booleanColumn, dateColumn, jsonColumn } from "./rows";

/**
 * A user as read for an answer, not for a change: the entity's fields as a plain object. Hot
 * reads (an IdP's `userName eq` lookup, GET /Users/{id}) map rows to these instead of managed
 * entities, which would cost identity-map registration and change-tracking snapshots per row.
 */
export type UserRecord = UserView & { organizationId: string };

/** What an answer about a user needs: a managed User entity is one too, a UserRecord more so. */
export type UserView = Omit<User, "organization"> & {
  /** Every group the user is in (direct and through nesting), when the read asked for them. */
  groups?: GroupOfUser[];
};

type Decode = (value: unknown) => unknown;

const decoders = new WeakMap<object, (row: Row) => UserRecord>();

/**
 * Row → UserRecord, built once from the entity metadata (columns, JSON, booleans, dates decoded
 * as MikroORM would), so a column added to the entity is mapped without touching this file.
 */
export function userRecordFromRow(em: EntityManager, row: Row): UserRecord {
  const metadata = em.getMetadata().get("User");
  let decode = decoders.get(metadata);
  if (!decode) decoders.set(metadata, (decode = buildDecoder(Object.values(metadata.props))));
  const record = decode(row);
  if (row.groups_json !== undefined) record.groups = groupsFromJson(row.groups_json);
  return record;
}

function buildDecoder(props: EntityProperty[]): (row: Row) => UserRecord {
  const fields: Array<{ name: string; column: string; decode: Decode }> = [];
  for (const prop of props) {
    if (prop.kind === "m:1") fields.push({ name: `${prop.name}Id`, column: prop.fieldNames[0], decode: (v) => v });
    else if (prop.kind === "scalar" && prop.persist !== false) fields.push({ name: prop.name, column: prop.fieldNames[0], decode: decoderFor(prop) });
  }
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const field of fields) record[field.name] = field.decode(row[field.column]);
    return record as UserRecord;
  };
}

function decoderFor(prop: EntityProperty): Decode {
  if (prop.customType instanceof JsonType) return (v) => jsonColumn(v, null);
  if (prop.runtimeType === "boolean") return booleanColumn;
  if (prop.runtimeType === "Date") return dateColumn;
  return (v) => v;
}
