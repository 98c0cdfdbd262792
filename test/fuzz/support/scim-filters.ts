import fc from "fast-check";
import { hostileString } from "./run";

/**
 * SCIM filters (RFC 7644 §3.4.2.2) from a small grammar: attribute paths of the resource type ×
 * operators × values, combined with and / or / not / parentheses and value paths; plus raw random
 * strings and valid filters with characters cut out or spliced in.
 */

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** Paths each resource answers to (any case, URN-qualified or not). */
export const USER_PATHS = [
  "id", "externalId", "userName", "displayName", "nickName", "title", "userType", "locale", "timezone", "active", "profileUrl",
  "name.givenName", "name.familyName", "name.formatted", "emails", "emails.value", "emails.type", "emails.primary",
  "phoneNumbers.value", "addresses.locality", "addresses.postalCode", "roles.value", "entitlements.value", "ims.value", "photos.value",
  "x509Certificates.value", "groups", "groups.value", "groups.display", "groups.type", "meta.created", "meta.lastModified",
  "meta.resourceType", "urn:ietf:params:scim:schemas:core:2.0:User:userName",
  `${ENTERPRISE}:department`, `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager.value`, "USERNAME", "Emails.Value",
];

export const GROUP_PATHS = [
  "id", "externalId", "displayName", "members", "members.value", "members.display", "members.type",
  "meta.created", "meta.lastModified", "meta.resourceType", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
  "DISPLAYNAME", "Members.Value",
];

/** Paths a filter may not use, or that do not exist. */
const INVALID_PATHS = ["password", "meta.version", "meta.location", "name", "nosuch", "name.nosuch", "urn:example:custom:1.0:x",
  "emails.value.value", "members.$ref", `${ENTERPRISE}:manager`, "userName.value", ""];

/** Multi-valued attributes and the sub-attributes a value path may compare. */
const VALUE_PATHS: Record<"User" | "Group", Array<[string, string[]]>> = {
  User: [["emails", ["value", "type", "primary", "display"]], ["phoneNumbers", ["value", "type"]], ["groups", ["value", "display", "type"]],
    ["roles", ["value", "primary", "type"]], ["addresses", ["locality", "type", "formatted"]], ["name", ["givenName", "familyName"]],
    ["x509Certificates", ["value"]]],
  Group: [["members", ["value", "type", "display", "$ref"]], ["displayName", ["value"]]],
};

const OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "pr"];
const operator = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...OPERATORS) }, fc.constantFrom("xx", "=", "eqq", ""));

function literal(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known, "work", "User", "Group", "direct", "indirect", "@example.test", "a", "").map((s) => JSON.stringify(s)) },
    { weight: 3, arbitrary: hostileString.filter((s) => s.length < 2_000).map((s) => JSON.stringify(s)) },
    { weight: 3, arbitrary: fc.constantFrom("true", "false", "null", "0", "-1", "1.5", "1e3", "2e400", "\"2011-05-13T04:42:34Z\"", "\"2099-01-01\"", "\"not a date\"") },
    fc.integer().map(String),
    fc.constantFrom("unquoted", "'single'", "\"unterminated", "\"\\u00\"", "\"\\\"\""),
  );
}

/** A filter over the given resource type; `known` are values worth comparing with (ids, names of the fuzz directory). */
export function scimFilter(resource: "User" | "Group", known: string[]): fc.Arbitrary<string> {
  const paths = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...(resource === "User" ? USER_PATHS : GROUP_PATHS)) }, fc.constantFrom(...INVALID_PATHS));
  const comparison = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(paths, operator, literal(known)).map(([p, o, v]) => (o === "pr" ? `${p} pr` : `${p} ${o} ${v}`)) },
    paths.map((p) => `${p} pr`),
  );
  const valuePathFilter = (subs: string[]) =>
    fc.array(fc.tuple(fc.constantFrom(...subs), operator, literal(known)), { minLength: 1, maxLength: 2 })
      .chain((terms) => fc.array(fc.constantFrom(" and ", " or "), { minLength: terms.length - 1, maxLength: terms.length - 1 })
        .map((joins) => terms.map(([s, o, v], i) => `${i > 0 ? joins[i - 1] : ""}${o === "pr" ? `${s} pr` : `${s} ${o} ${v}`}`).join("")));
  const valuePath = fc.constantFrom(...VALUE_PATHS[resource]).chain(([attr, subs]) =>
    fc.tuple(valuePathFilter(subs), fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, fc.constantFrom(...subs))).map(([inner, sub]) => `${attr}[${inner}]${sub ? `.${sub}` : ""}`));

  const { expr } = fc.letrec<{ expr: string; atom: string }>((tie) => ({
    atom: fc.oneof({ weight: 3, arbitrary: comparison }, valuePath),
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 6, arbitrary: tie("atom") },
      fc.tuple(tie("expr"), fc.constantFrom("and", "or", "AND", "Or"), tie("expr")).map(([a, j, b]) => `${a} ${j} ${b}`),
      tie("expr").map((e) => `not (${e})`),
      tie("expr").map((e) => `(${e})`),
    ),
  }));
  return expr;
}

/** Many comparisons joined flat: what a client building filters from a list sends. */
export function wideFilter(known: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 2, max: 1_500 }), fc.constantFrom(" or ", " and "), fc.constantFrom(...known.concat("x")))
    .map(([n, join, value]) => Array.from({ length: n }, (_, i) => `userName eq ${JSON.stringify(`${value}${i}`)}`).join(join));
}

/** Parentheses and nots nested deep. */
export function deepFilter(): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 2, max: 5_000 }), fc.constantFrom("(", "not (")).map(([n, open]) => `${open.repeat(n)}userName eq "x"${")".repeat(n)}`);
}

/** A valid filter with a few characters cut out or spliced in. */
export function damagedFilter(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 4 }), splice: fc.constantFrom("", "\"", "[", "]", "(", ")", " ", ".", ":", "\\", "\u0000", " and ", " not ", "eq") });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) =>
    edits.reduce((t, e) => {
      const at = t.length === 0 ? 0 : e.at % t.length;
      return t.slice(0, at) + e.splice + t.slice(at + e.cut);
    }, text));
}

/** The other list parameters (RFC 7644 §3.4.2): sort, paging, projection; usually valid, sometimes not. */
export function listParameters(resource: "User" | "Group"): fc.Arbitrary<Record<string, unknown>> {
  const paths = resource === "User" ? USER_PATHS : GROUP_PATHS;
  const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) => fc.oneof({ weight: 25, arbitrary: valid }, invalid);
  return fc.record(
    {
      sortBy: mostly(fc.constantFrom(...paths), fc.oneof(fc.constantFrom(...INVALID_PATHS), hostileString.filter((s) => s.length < 100))),
      sortOrder: mostly(fc.constantFrom("ascending", "descending", "DESCENDING"), fc.constantFrom("up", "")),
      startIndex: mostly(fc.integer({ min: -5, max: 50 }), fc.constantFrom(2 ** 31, 1e20, -1e20, 1.5, "x")),
      count: mostly(fc.integer({ min: -5, max: 1_500 }), fc.constantFrom(2 ** 31, 1e20, 1.5, "many")),
      attributes: mostly(fc.constantFrom(...paths.slice(0, 8), "id,meta", "userName,displayName"), fc.constantFrom("nosuch", "", "password", "a,,b")),
      excludedAttributes: mostly(fc.constantFrom("members", "groups", "emails", "id", "schemas", "meta"), fc.constantFrom("nosuch", "")),
    },
    { requiredKeys: [] },
  );
}
