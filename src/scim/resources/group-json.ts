import type { GroupAttributes } from "../../domain/commands/groups";
import type { MemberOfGroup } from "../../domain/queries/memberships";
import type { Group } from "../../domain/model";
import { etagOf } from "../etag";
import { ScimError } from "../errors";
import { StreamedValues } from "../json-stream";
import { GROUP_SCHEMA, schemaAttributes } from "../schema";
import type { ScimJson } from "../types";
import { inSchemaOrder } from "./canonical-json";
import { asOptionalString, splitKnownAttributes } from "./values";

/**
 * RFC 7643 §4.2: a group as SCIM JSON. `members` only when given (a big group's list is costly)
 * and not empty: RFC 7643 §2.5 makes an empty list and an unassigned attribute the same state,
 * and unassigned attributes may be omitted. A list too long to hold comes as StreamedValues (never
 * empty) and is rendered member by member as its pages are read.
 */
export function groupToScim(group: Group, baseUrl: string, members?: MemberOfGroup[] | StreamedValues<MemberOfGroup>): ScimJson {
  const extra = inSchemaOrder(group.extra ?? {}) as ScimJson;
  const schemas = [GROUP_SCHEMA, ...Object.keys(extra).filter((k) => /^urn:/i.test(k))];
  const json: ScimJson = { schemas, id: group.id };
  if (group.externalId !== null) json.externalId = group.externalId;
  json.displayName = group.displayName;
  const render = (member: MemberOfGroup) => memberToScim(member, baseUrl);
  if (members instanceof StreamedValues) json.members = members.map(render);
  else if (members && members.length > 0) json.members = members.map(render);
  Object.assign(json, extra);
  json.meta = {
    resourceType: "Group",
    created: group.createdAt.toISOString(),
    lastModified: group.updatedAt.toISOString(),
    location: `${baseUrl}/Groups/${group.id}`,
    version: etagOf(group.version),
  };
  return json;
}

/** One element of `members`; only these four keys, whatever else the member record carries. */
function memberToScim(member: MemberOfGroup, baseUrl: string): ScimJson {
  return { value: member.id, $ref: `${baseUrl}/${member.type === "User" ? "Users" : "Groups"}/${member.id}`, display: member.display, type: member.type };
}

export interface ScimGroupInput {
  attributes: GroupAttributes;
  /** Member ids from `members[].value`; null when the body has no `members` attribute. */
  memberIds: string[] | null;
}

/** SCIM JSON (POST or PUT) → group attributes and member ids, a full replacement. */
export function groupFromScim(body: ScimJson): ScimGroupInput {
  const { known, unknown } = splitKnownAttributes(body, schemaAttributes(GROUP_SCHEMA), []);
  const displayName = known.displayName;
  if (typeof displayName !== "string" || displayName.trim() === "") throw ScimError.invalidValue("displayName is required and must be a non-empty string");
  return {
    attributes: {
      displayName: displayName.trim(),
      externalId: asOptionalString(known.externalId, "externalId"),
      extra: Object.keys(unknown).length > 0 ? unknown : null,
    },
    memberIds: known.members === undefined || known.members === null ? null : memberIdsOf(known.members),
  };
}

/** `members` as sent: `[{ value, type?, display? }]`. */
export function memberIdsOf(members: unknown): string[] {
  if (!Array.isArray(members)) throw ScimError.invalidValue("members must be an array");
  return members.map((m) => {
    const value = m && typeof m === "object" ? (m as ScimJson).value : undefined;
    if (typeof value !== "string" || value === "") throw ScimError.invalidValue("each member needs a string value (the member's id)");
    return value;
  });
}
