import type { Filter } from "scim2-parse-filter";

/** RFC 7644 §3.5.2: the message schema every PATCH body must declare. */
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * The rendered SCIM JSON of one resource (RFC 7643 §3), as a plain object: core attributes at the
 * top level (`userName`, `name.givenName`, `emails[]`), extension attributes under their schema
 * URN (`resource["urn:…:enterprise:2.0:User"].department`). A Group's `members` are never part of
 * it: membership changes come out of PATCH as a {@link MembershipDelta}.
 */
export type ScimResourceJson = Record<string, unknown>;

/** Op names after the parser lower-cased them (Entra ID sends "Add" / "Replace" / "Remove"). */
export type PatchOpName = "add" | "replace" | "remove";

/**
 * A PATCH `path` (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`), parsed for syntax
 * only. Resolving it against the schemas happens when it is applied.
 */
export interface PatchPath {
  /** The path exactly as sent, for error details. */
  text: string;
  /** `[URN ":"] name ["." sub]` before any value filter: `emails`, `name.givenName`, `urn:…:User:manager`. */
  attrPath: string;
  /** The bracketed value filter, parsed by scim2-parse-filter: `type eq "work"` in `emails[type eq "work"].value`. */
  valueFilter: Filter | null;
  /** The sub-attribute after a value filter: `value` in `emails[type eq "work"].value`. */
  subAttr: string | null;
}

/** `add` / `replace`: with a path, or with none (the value is then a set of attributes, RFC 7644 §3.5.2.1). */
export interface AddOrReplaceOperation {
  op: "add" | "replace";
  path: PatchPath | null;
  value: unknown;
}

/** `remove` always has a path (RFC 7644 §3.5.2.2); a value is tolerated (Entra ID's member removal). */
export interface RemoveOperation {
  op: "remove";
  path: PatchPath;
  value?: unknown;
}

export type PatchOperation = AddOrReplaceOperation | RemoveOperation;

/** One group member reference (RFC 7643 §4.2 `members.value` / `members.type`). */
export interface MemberRef {
  value: string;
  type?: "User" | "Group";
}

/**
 * The net membership change of one PATCH request, for the store to apply as row deletes and
 * inserts without ever loading the member list. Apply it in this order:
 *
 *   1. `removeAll`   — delete every membership row of the group;
 *   2. `replaceWith` — when not null, insert exactly these members;
 *   3. `remove`      — delete these members (a missing row is not an error);
 *   4. `add`         — insert these members (an existing row is not an error).
 *
 * Invariants, kept by the builder in members.ts: `replaceWith !== null` implies `removeAll`;
 * when `removeAll` is true, `remove` and `add` are empty (later adds and removes are folded into
 * `replaceWith`); otherwise `remove` and `add` are disjoint. Together they make the four steps
 * reproduce the operations applied one after another (RFC 7644 §3.5.2: operations are applied
 * sequentially).
 */
export interface MembershipDelta {
  add: MemberRef[];
  remove: MemberRef[];
  removeAll: boolean;
  replaceWith: MemberRef[] | null;
}

export interface PatchResult {
  resource: ScimResourceJson;
  membershipDelta: MembershipDelta;
}
