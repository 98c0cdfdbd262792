import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { GroupOfUser, UserRecord } from "../../domain/ports/records";
import { booleanColumn, dateColumn, jsonColumn, type Row } from "./rows";

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

/** A groups_json column (SqlDirectoryStore.groupsOfUserColumn), ordered by group id (SQL gives no order inside an aggregate). */
export function groupsFromJson(value: unknown): GroupOfUser[] {
  const entries = jsonColumn<Array<[string, string, number]>>(value, []);
  return entries
    .map(([id, displayName, direct]) => ({ id, displayName, direct: Number(direct) === 1 }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
