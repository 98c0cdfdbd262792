import fc from "fast-check";
import { hostileJson, hostileString } from "./run";

/**
 * SCIM PATCH documents (RFC 7644 §3.5.2): random operations with random paths and values, for
 * Users and for Groups. Paths come from the attributes each resource has, value-filter paths
 * (`emails[type eq "work"].value`, `members[value eq "…"]`), extension URNs and garbage; values
 * are what the path wants, or anything.
 */

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: valid }, invalid);

const op = fc.oneof({ weight: 30, arbitrary: fc.constantFrom("add", "replace", "remove", "Add", "Replace", "Remove", "REPLACE") }, fc.constantFrom("move", "copy", "", "test"));
/** Operations without a path add or replace attributes (a remove needs a path). */
const opWithoutPath = fc.oneof({ weight: 30, arbitrary: fc.constantFrom("add", "replace", "Add", "Replace") }, fc.constantFrom("remove", "move"));

const text = mostly(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("Ada", "work", "Auditor", "en-US", "x@example.test")), hostileString);
const contact = fc.record({ value: text, type: fc.constantFrom("work", "home", "mobile"), primary: fc.oneof(fc.boolean(), fc.constantFrom("True", "False")), display: text }, { requiredKeys: ["value"] });

/** User attribute paths, each with the values it plausibly takes (the invalid ones come from `mostly`). */
function userPaths(ids: string[]): Array<[string, fc.Arbitrary<unknown>]> {
  const idRef = fc.constantFrom(...ids);
  return [
    ["userName", text.map((t) => `${t}@example.test`)], ["displayName", text], ["nickName", text], ["title", text], ["externalId", text],
    ["locale", text], ["profileUrl", text], ["active", fc.constantFrom(true, false, "False", "True", "false")],
    ["name", fc.record({ givenName: text, familyName: text, formatted: fc.constant(null) }, { requiredKeys: [] })],
    ["name.givenName", text], ["name.familyName", text],
    ["emails", fc.array(contact, { maxLength: 3 })], ["emails[type eq \"work\"].value", text], ["emails[type eq \"work\"]", contact],
    ["emails[primary eq true].value", text], ["emails.value", text], ["phoneNumbers", fc.array(contact, { maxLength: 2 })],
    ["phoneNumbers[type eq \"mobile\"].value", text], ["addresses", fc.array(fc.record({ locality: text, type: fc.constantFrom("work", "home") }), { maxLength: 2 })],
    ["addresses[type eq \"work\"].locality", text], ["roles", fc.array(contact, { maxLength: 2 })], ["roles[value eq \"Auditor\"]", contact],
    ["entitlements", fc.array(contact, { maxLength: 2 })], ["x509Certificates", fc.array(fc.record({ value: text }), { maxLength: 1 })],
    [ENTERPRISE, fc.record({ department: text, manager: fc.oneof(idRef.map((value) => ({ value })), idRef) }, { requiredKeys: [] })],
    [`${ENTERPRISE}:department`, text], [`${ENTERPRISE}:manager`, fc.oneof(idRef, idRef.map((value) => ({ value })))], [`${ENTERPRISE}:manager.value`, idRef],
    ["urn:ietf:params:scim:schemas:core:2.0:User:displayName", text], ["urn:example:custom:1.0:tier", text],
    ["urn:example:custom:1.0", fc.dictionary(fc.constantFrom("tier", "level"), text, { maxKeys: 2 })],
  ];
}

/** Paths that exist but may not change, or do not parse, or name nothing. */
const BAD_USER_PATHS = ["groups", "id", "meta", "meta.created", "schemas", "password", `${ENTERPRISE}:manager[value eq "x"]`,
  "emails[", "emails[type eq]", "emails[value co \"@\"].nosuch", "name..givenName", ".", "", "nosuch", "members"];

const GROUP_PATCH_PATHS = [
  "members", "displayName", "externalId", "id", "meta", "members.value", "members.display", "members[type eq \"User\"]",
  "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "urn:example:custom:1.0:code", "members[", "userName", "",
];

function memberRefs(ids: string[]): fc.Arbitrary<unknown[]> {
  const value = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ids) }, fc.uuid(), hostileString);
  return fc.array(
    fc.record({ value, type: mostly(fc.constantFrom("User", "Group", "user"), fc.constant("nonsense")), display: text, $ref: fc.constantFrom("../Users/x", "https://evil.test/") }, { requiredKeys: ["value"] }),
    { maxLength: 4 },
  );
}

function memberFilterPath(ids: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...ids, "nope"), fc.constantFrom("", " or value eq \"x\"", " and type eq \"User\"", " and type eq \"Group\""))
    .map(([id, more]) => `members[value eq ${JSON.stringify(id)}${more}]`);
}

/** An object value for an operation without a path: attribute names (any case) to values. */
function attributeMap(keys: string[], value: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...keys) }, hostileString), value, { maxKeys: 4 });
}

export function userPatch(ids: string[]): fc.Arbitrary<unknown> {
  const paths = userPaths(ids);
  const valued = fc.constantFrom(...paths).chain(([path, value]) =>
    fc.record({ op, path: fc.constant(path), value: mostly(value, hostileJson) }, { requiredKeys: ["op", "path", "value"] }));
  const bad = fc.record({ op, path: fc.constantFrom(...BAD_USER_PATHS), value: hostileJson }, { requiredKeys: ["op", "path"] });
  const noPath = fc.constantFrom(...paths.filter(([p]) => !p.includes("[") && !p.includes("."))).chain(([path, value]) =>
    fc.record({ op: opWithoutPath, value: attributeMap([path, path.toUpperCase()], mostly(value, hostileJson)) }, { requiredKeys: ["op", "value"] }));
  return patchDocument(fc.oneof({ weight: 6, arbitrary: valued }, { weight: 3, arbitrary: noPath }, bad));
}

export function groupPatch(ids: string[]): fc.Arbitrary<unknown> {
  const members = fc.record({ op, path: fc.constant("members"), value: memberRefs(ids) }, { requiredKeys: ["op", "path", "value"] });
  const filtered = fc.record({ op, path: memberFilterPath(ids), value: mostly(memberRefs(ids), hostileJson) }, { requiredKeys: ["op", "path", "value"] });
  const renamed = fc.record({ op, path: fc.constantFrom("displayName", "externalId", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName"), value: text }, { requiredKeys: ["op", "path", "value"] });
  const other = fc.record({ op, path: fc.constantFrom(...GROUP_PATCH_PATHS), value: fc.oneof(hostileJson, memberRefs(ids)) }, { requiredKeys: ["op", "path"] });
  const noPath = fc.record({
    op: opWithoutPath,
    value: attributeMap(["members", "displayName", "externalId", "DisplayName", "id", "urn:example:custom:1.0"], fc.oneof(memberRefs(ids), text)),
  }, { requiredKeys: ["op", "value"] });
  return patchDocument(fc.oneof({ weight: 4, arbitrary: members }, { weight: 3, arbitrary: filtered }, { weight: 2, arbitrary: renamed }, { weight: 2, arbitrary: noPath }, other));
}

function patchDocument(operation: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.record({
    schemas: fc.oneof({ weight: 30, arbitrary: fc.constant([PATCH_OP]) }, fc.constantFrom([], ["urn:ietf:params:scim:schemas:core:2.0:User"], PATCH_OP, null)),
    Operations: fc.oneof({ weight: 30, arbitrary: fc.array(operation, { minLength: 1, maxLength: 4 }) }, fc.constantFrom([], null, {}, "replace")),
  });
}
