import type { FilterPredicate } from "../../src/domain/ports/filter";
import { ScimError } from "../../src/scim/errors";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import { RESOURCE_SCHEMAS, type ResourceSchema } from "../../src/scim/schema";
import { POSTGRES_FILTER_SQL, renderFilter, renderSort, SQLITE_FILTER_SQL, type FilterSqlDialect } from "../../src/store/sql/filter";

// SCIM filter text → the domain's predicate (scim/filter) → each database's SQL (store/sql/filter).
// Which rows the SQL selects on real databases: scim-filter-sql.test.ts.

const { User, Group } = RESOURCE_SCHEMAS;
const userPredicate = (filter: string) => compileFilter(filter, User);
const userFilter = (filter: string, dialect: FilterSqlDialect = SQLITE_FILTER_SQL) => renderFilter(compileFilter(filter, User), "User", "e0", dialect);
const groupFilter = (filter: string, dialect: FilterSqlDialect = SQLITE_FILTER_SQL) => renderFilter(compileFilter(filter, Group), "Group", "e0", dialect);
const ESC = "ESCAPE '\\'";
const JAN_2026 = Date.UTC(2026, 0, 1);

const property = (name: string) => ({ kind: "property", name });
const item = (name: string) => ({ kind: "item", name });
const text = (value: string, caseExact = false) => ({ type: "string", value, caseExact });
const ANY: FilterPredicate = { kind: "constant", value: true };

/** The ScimError a call throws (or a failure saying it did not throw one). */
function scimErrorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error("expected a ScimError");
}

describe("compileFilter: the predicate, over logical attributes with typed operands", () => {
  it.each<[string, unknown]>([
    ['userName eq "Bjensen"', { kind: "compare", value: property("userName"), op: "eq", operand: text("Bjensen") }],
    // caseExact attributes (RFC 7643 §2.2) compare exactly; binary (base64) always does.
    ['externalId sw "AbC"', { kind: "compare", value: property("externalId"), op: "sw", operand: text("AbC", true) }],
    ['name.givenName co "Ad"', { kind: "compare", value: property("givenName"), op: "co", operand: text("Ad") }],
    ['x509Certificates.value eq "MIIC"', { kind: "some", collection: "x509Certificates", where: { kind: "compare", value: item("value"), op: "eq", operand: text("MIIC", true) } }],
    // ne = not eq; eq null = not pr; ne null = pr (RFC 7643 §2.5).
    ['userName ne "x"', { kind: "not", predicate: { kind: "compare", value: property("userName"), op: "eq", operand: text("x") } }],
    ["title eq null", { kind: "not", predicate: { kind: "present", value: property("title"), text: true } }],
    ["title ne null", { kind: "present", value: property("title"), text: true }],
    ["active pr", { kind: "present", value: property("active"), text: false }],
    // Entra ID's "True" is the boolean true; instants are instants, whatever zone they were written in.
    ['active eq "True"', { kind: "compare", value: property("active"), op: "eq", operand: { type: "boolean", value: true } }],
    ['meta.lastModified gt "2026-01-01T01:00:00+01:00"', { kind: "compare", value: property("updatedAt"), op: "gt", operand: { type: "dateTime", value: new Date(JAN_2026) } }],
    ['meta.created le "2026-01-01T00:00:00"', { kind: "compare", value: property("createdAt"), op: "le", operand: { type: "dateTime", value: new Date(JAN_2026) } }],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "b"', { kind: "compare", value: { kind: "extension", keys: ["manager", "value"] }, op: "eq", operand: text("b") }],
    // A singular complex attribute's value filter is about the same row: no collection.
    ['name[givenName eq "Ada"]', { kind: "compare", value: property("givenName"), op: "eq", operand: text("Ada") }],
  ])("%s", (filter, predicate) => {
    expect(userPredicate(filter)).toEqual(predicate);
  });

  it("a value path holds all its conditions on one element; sub-attribute paths each on any element", () => {
    const type = { kind: "compare", value: item("type"), op: "eq", operand: text("work") };
    const value = { kind: "compare", value: item("value"), op: "co", operand: text("@x") };
    expect(userPredicate('emails[type eq "work" and value co "@x"]')).toEqual({ kind: "some", collection: "emails", where: { kind: "and", predicates: [type, value] } });
    expect(userPredicate('emails.type eq "work" and emails.value co "@x"')).toEqual({
      kind: "and",
      predicates: [{ kind: "some", collection: "emails", where: type }, { kind: "some", collection: "emails", where: value }],
    });
  });

  it.each<[string, unknown]>([
    ["emails pr", { kind: "some", collection: "emails", where: ANY }],
    ["emails eq null", { kind: "not", predicate: { kind: "some", collection: "emails", where: ANY } }],
    // A multi-valued attribute named alone compares its "value"; ne holds when no element equals.
    ['emails co "@x"', { kind: "some", collection: "emails", where: { kind: "compare", value: item("value"), op: "co", operand: text("@x") } }],
    ['emails.value ne "a"', { kind: "not", predicate: { kind: "some", collection: "emails", where: { kind: "compare", value: item("value"), op: "eq", operand: text("a") } } }],
    ['emails[type ne "work"]', { kind: "some", collection: "emails", where: { kind: "not", predicate: { kind: "compare", value: item("type"), op: "eq", operand: text("work") } } }],
    ["emails[primary eq true]", { kind: "some", collection: "emails", where: { kind: "compare", value: item("primary"), op: "eq", operand: { type: "boolean", value: true } } }],
    ['groups[type eq "direct"]', { kind: "some", collection: "groups", where: { kind: "compare", value: item("type"), op: "eq", operand: text("direct") } }],
  ])("collections: %s", (filter, predicate) => {
    expect(userPredicate(filter)).toEqual(predicate);
  });

  it("members of a group are a collection of the group", () => {
    expect(compileFilter('members[value eq "U1"]', Group)).toEqual({ kind: "some", collection: "members", where: { kind: "compare", value: item("value"), op: "eq", operand: text("U1") } });
  });

  it("keeps not as written (the store pushes it down), and drops a double one", () => {
    const a = { kind: "compare", value: property("userName"), op: "eq", operand: text("a") };
    const b = { kind: "compare", value: property("title"), op: "eq", operand: text("b") };
    expect(userPredicate('not (userName eq "a" or title eq "b")')).toEqual({ kind: "not", predicate: { kind: "or", predicates: [a, b] } });
    expect(userPredicate('not (not (userName eq "a"))')).toEqual(a);
  });

  it.each<[string, ResourceSchema["name"], unknown]>([
    // meta.resourceType is the server's constant (caseExact): decided without reading a row.
    ['meta.resourceType eq "User"', "User", { kind: "constant", value: true }],
    ['meta.resourceType eq "User"', "Group", { kind: "constant", value: false }],
    ['meta.resourceType eq "user"', "User", { kind: "constant", value: false }],
    ['meta.resourceType ne "Group"', "User", { kind: "constant", value: true }],
    ['meta.resourceType sw "Gr"', "Group", { kind: "constant", value: true }],
    ['meta.resourceType gt "V"', "User", { kind: "constant", value: false }],
    ["meta.resourceType pr", "User", { kind: "constant", value: true }],
    ["meta pr", "Group", { kind: "constant", value: true }],
    ['meta.resourceType eq "User" or displayName eq "x"', "Group", { kind: "compare", value: property("displayName"), op: "eq", operand: text("x") }],
    ['meta.resourceType eq "Group" and displayName eq "x"', "User", { kind: "constant", value: false }],
  ])("constants: %s on %s", (filter, resource, predicate) => {
    expect(compileFilter(filter, RESOURCE_SCHEMAS[resource])).toEqual(predicate);
  });
});

describe("SQLite SQL: each operator (RFC 7644 §3.4.2.2)", () => {
  it.each([
    // userName is not caseExact and has the lower-cased, indexed user_name_key.
    ['userName eq "Bjensen"', "e0.user_name_key = ?", ["bjensen"]],
    ['userName ne "Bjensen"', "NOT coalesce(e0.user_name_key = ?, false)", ["bjensen"]],
    ['userName co "Jen"', `e0.user_name_key LIKE ? ${ESC}`, ["%jen%"]],
    ['userName sw "BJ"', `e0.user_name_key LIKE ? ${ESC}`, ["bj%"]],
    ['userName ew "SEN"', `e0.user_name_key LIKE ? ${ESC}`, ["%sen"]],
    ['userName gt "M"', "e0.user_name_key > ?", ["m"]],
    ['userName ge "M"', "e0.user_name_key >= ?", ["m"]],
    ['userName lt "M"', "e0.user_name_key < ?", ["m"]],
    ['userName le "M"', "e0.user_name_key <= ?", ["m"]],
    ["userName pr", "(e0.user_name IS NOT NULL AND e0.user_name <> '')", []],
    // title is not caseExact and has no key: both sides go through lower().
    ['title eq "Tour Guide"', "lower(e0.title) = lower(?)", ["Tour Guide"]],
    ['title co "Guide"', `lower(e0.title) LIKE lower(?) ${ESC}`, ["%Guide%"]],
    ['title gt "M"', "lower(e0.title) > lower(?)", ["M"]],
    // externalId and id are caseExact: plain comparisons, and case-sensitive positions instead of LIKE.
    ['externalId eq "AbC"', "e0.external_id = ?", ["AbC"]],
    ['externalId co "AbC"', "instr(e0.external_id, ?) > 0", ["AbC"]],
    ['externalId sw "AbC"', "instr(e0.external_id, ?) = 1", ["AbC"]],
    ['externalId ew "AbC"', "substr(e0.external_id, length(e0.external_id) - length(?) + 1) = ?", ["AbC", "AbC"]],
    ['externalId lt "AbC"', "e0.external_id < ?", ["AbC"]],
    ['id eq "0190-AB"', "e0.id = ?", ["0190-AB"]],
  ])("%s", (filter, sql, params) => {
    expect(userFilter(filter)).toEqual({ sql, params });
  });

  it.each([
    ['meta.lastModified gt "2026-01-01T00:00:00Z"', "e0.updated_at > ?", [JAN_2026]],
    ['meta.lastModified ge "2026-01-01T00:00:00.000Z"', "e0.updated_at >= ?", [JAN_2026]],
    ['meta.created lt "2026-01-01T01:00:00+01:00"', "e0.created_at < ?", [JAN_2026]],
    ['meta.created le "2026-01-01T00:00:00"', "e0.created_at <= ?", [JAN_2026]],
    ['meta.created eq "2026-01-01T00:00:00Z"', "e0.created_at = ?", [JAN_2026]],
    ["meta.created pr", "e0.created_at IS NOT NULL", []],
    // A constant needs no row: meta.resourceType on its own resource type.
    ['meta.resourceType eq "User"', "(1 = 1)", []],
  ])("dateTime and meta: %s", (filter, sql, params) => {
    expect(userFilter(filter)).toEqual({ sql, params });
  });

  it.each([
    ["active eq true", [1]],
    ["active eq false", [0]],
    // Entra ID sends string booleans ("True", "False"); tolerated in filters too.
    ['active eq "True"', [1]],
    ['active eq "false"', [0]],
  ])("boolean: %s", (filter, params) => {
    expect(userFilter(filter)).toEqual({ sql: "e0.active = ?", params });
  });

  it("a boolean inside a JSON element binds the JSON boolean", () => {
    expect(userFilter("emails[primary eq true]")).toEqual({
      sql: "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(e0.emails) THEN e0.emails END) e0_1 WHERE json_extract(e0_1.value, '$.primary') = ?)",
      params: [1],
    });
  });

  it.each([
    ["title eq null", "NOT ((e0.title IS NOT NULL AND e0.title <> ''))"],
    ["title ne null", "(e0.title IS NOT NULL AND e0.title <> '')"],
  ])("null means unassigned (RFC 7643 §2.5): %s", (filter, sql) => {
    expect(userFilter(filter)).toEqual({ sql, params: [] });
  });

  it("escapes LIKE wildcards and the escape character in co/sw/ew operands", () => {
    expect(userFilter('userName co "100%_\\"x"')).toEqual({ sql: `e0.user_name_key LIKE ? ${ESC}`, params: ['%100\\%\\_"x%'] });
  });
});

describe("SQLite SQL: logic and grouping", () => {
  const A = 'userName eq "a"';
  const B = 'title eq "b"';
  const C = "active eq true";
  it.each([
    [`${A} and ${B}`, "(e0.user_name_key = ? AND lower(e0.title) = lower(?))", ["a", "b"]],
    [`${A} or ${B}`, "(e0.user_name_key = ? OR lower(e0.title) = lower(?))", ["a", "b"]],
    // and binds tighter than or.
    [`${A} or ${B} and ${C}`, "(e0.user_name_key = ? OR (lower(e0.title) = lower(?) AND e0.active = ?))", ["a", "b", 1]],
    [`(${A} or ${B}) and ${C}`, "((e0.user_name_key = ? OR lower(e0.title) = lower(?)) AND e0.active = ?)", ["a", "b", 1]],
    // not is pushed down (De Morgan), each negated comparison treating an absent value as "no match".
    [
      `not (${A} or ${B}) and ${C}`,
      "((NOT coalesce(e0.user_name_key = ?, false) AND NOT coalesce(lower(e0.title) = lower(?), false)) AND e0.active = ?)",
      ["a", "b", 1],
    ],
    [`not (not (${A}))`, "e0.user_name_key = ?", ["a"]],
    [`not (${A} and not (${B}))`, "(NOT coalesce(e0.user_name_key = ?, false) OR lower(e0.title) = lower(?))", ["a", "b"]],
    [`${A} AND ${B}`, "(e0.user_name_key = ? AND lower(e0.title) = lower(?))", ["a", "b"]],
  ])("%s", (filter, sql, params) => {
    expect(userFilter(filter)).toEqual({ sql, params });
  });
});

describe("SQLite SQL: multi-valued attributes and value paths", () => {
  const EMAILS = "FROM json_each(CASE WHEN json_valid(e0.emails) THEN e0.emails END) e0_1";
  const type = "lower(json_extract(e0_1.value, '$.type'))";
  const value = "lower(json_extract(e0_1.value, '$.value'))";
  it.each([
    // Both conditions on the same element: one EXISTS.
    [
      'emails[type eq "work" and value co "@example.com"]',
      `EXISTS (SELECT 1 ${EMAILS} WHERE (${type} = lower(?) AND ${value} LIKE lower(?) ${ESC}))`,
      ["work", "%@example.com%"],
    ],
    ['emails[type eq "work"]', `EXISTS (SELECT 1 ${EMAILS} WHERE ${type} = lower(?))`, ["work"]],
    ['emails[not (type eq "work")]', `EXISTS (SELECT 1 ${EMAILS} WHERE NOT coalesce(${type} = lower(?), false))`, ["work"]],
    ['not (emails[type eq "work"])', `NOT EXISTS (SELECT 1 ${EMAILS} WHERE ${type} = lower(?))`, ["work"]],
    // Sub-attribute path: true when any element matches.
    ['emails.value eq "a@x.org"', `EXISTS (SELECT 1 ${EMAILS} WHERE ${value} = lower(?))`, ["a@x.org"]],
    // A multi-valued complex attribute named alone compares its "value".
    ['emails co "@x.org"', `EXISTS (SELECT 1 ${EMAILS} WHERE ${value} LIKE lower(?) ${ESC})`, ["%@x.org%"]],
    // ne = not eq: no e-mail equals it (including users with no e-mail).
    ['emails.value ne "a@x.org"', `NOT EXISTS (SELECT 1 ${EMAILS} WHERE ${value} = lower(?))`, ["a@x.org"]],
    ["emails pr", `EXISTS (SELECT 1 ${EMAILS})`, []],
    ["emails eq null", `NOT EXISTS (SELECT 1 ${EMAILS})`, []],
    ["emails.type pr", `EXISTS (SELECT 1 ${EMAILS} WHERE (${type.slice(6, -1)} IS NOT NULL AND ${type.slice(6, -1)} <> ''))`, []],
    ['phoneNumbers.value sw "+1"', "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(e0.phone_numbers) THEN e0.phone_numbers END) e0_1 WHERE lower(json_extract(e0_1.value, '$.value')) LIKE lower(?) ESCAPE '\\')", ["+1%"]],
    ['x509Certificates.value eq "MIIC"', "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(e0.x509certificates) THEN e0.x509certificates END) e0_1 WHERE json_extract(e0_1.value, '$.value') = ?)", ["MIIC"]],
    // Singular complex attribute with a value filter: no EXISTS, same row.
    ['name[givenName eq "Ada" and familyName pr]', "(lower(e0.given_name) = lower(?) AND (e0.family_name IS NOT NULL AND e0.family_name <> ''))", ["Ada"]],
    ['name.familyName eq "Lovelace"', "lower(e0.family_name) = lower(?)", ["Lovelace"]],
    // Sibling subqueries get distinct aliases.
    [
      'emails[type eq "work"] or roles[value eq "admin"]',
      `(EXISTS (SELECT 1 ${EMAILS} WHERE ${type} = lower(?)) OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(e0.roles) THEN e0.roles END) e0_2 WHERE lower(json_extract(e0_2.value, '$.value')) = lower(?)))`,
      ["work", "admin"],
    ],
  ])("%s", (filter, sql, params) => {
    expect(userFilter(filter)).toEqual({ sql, params });
  });

  it("a user's groups walk nested groups at any depth, one row per group, direct when any path is", () => {
    const { sql, params } = userFilter('groups[value eq "G1" and type eq "direct"]');
    expect(sql).toMatch(/^EXISTS \(SELECT 1 FROM \(with recursive e0_1_reach\(direct, group_id\) as \(\s*select 1, group_id from group_membership where member_user_id = e0\.id\s/);
    expect(sql).not.toMatch(/depth/);
    expect(sql).toContain("select group_id, max(direct) as direct from e0_1_reach group by group_id) e0_1 WHERE (e0_1.group_id = ? AND ");
    expect(params).toEqual(["g1", "direct"]);
  });

  it.each([
    ['members[value eq "U1"]', "EXISTS (SELECT 1 FROM group_membership e0_1 WHERE e0_1.group_id = e0.id AND (e0_1.member_user_id = ? OR e0_1.member_group_id = ?))", ["u1", "u1"]],
    [
      'members[value eq "u1" and type eq "User"]',
      "EXISTS (SELECT 1 FROM group_membership e0_1 WHERE e0_1.group_id = e0.id AND ((e0_1.member_user_id = ? OR e0_1.member_group_id = ?) AND e0_1.member_user_id IS NOT NULL))",
      ["u1", "u1"],
    ],
    ['members.type eq "group"', "EXISTS (SELECT 1 FROM group_membership e0_1 WHERE e0_1.group_id = e0.id AND e0_1.member_group_id IS NOT NULL)", []],
    ['members eq "u1"', "EXISTS (SELECT 1 FROM group_membership e0_1 WHERE e0_1.group_id = e0.id AND (e0_1.member_user_id = ? OR e0_1.member_group_id = ?))", ["u1", "u1"]],
    ["members pr", "EXISTS (SELECT 1 FROM group_membership e0_1 WHERE e0_1.group_id = e0.id)", []],
    ['displayName eq "SRE Team"', "e0.display_name_key = ?", ["sre team"]],
    ['meta.resourceType eq "Group"', "(1 = 1)", []],
    ['not (meta.resourceType eq "Group") or displayName eq "x"', "e0.display_name_key = ?", ["x"]],
  ])("Group: %s", (filter, sql, params) => {
    expect(groupFilter(filter)).toEqual({ sql, params });
  });
});

describe("SQLite SQL: attribute names", () => {
  it.each([
    ['USERNAME eq "x"', "e0.user_name_key = ?"],
    ['username EQ "x"', "e0.user_name_key = ?"],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', "e0.user_name_key = ?"],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "x"', "e0.user_name_key = ?"],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', "lower(json_extract(CASE WHEN json_valid(e0.enterprise) THEN e0.enterprise END, '$.department')) = lower(?)"],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"', "lower(json_extract(CASE WHEN json_valid(e0.enterprise) THEN e0.enterprise END, '$.manager.value')) = lower(?)"],
    ['NAME.GIVENNAME eq "x"', "lower(e0.given_name) = lower(?)"],
    ['EMAILS[TYPE eq "x"]', "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(e0.emails) THEN e0.emails END) e0_1 WHERE lower(json_extract(e0_1.value, '$.type')) = lower(?))"],
  ])("%s", (filter, sql) => {
    expect(userFilter(filter)).toEqual({ sql, params: ["x"] });
  });
});

describe("PostgreSQL SQL: jsonb, real booleans, timestamptz, strpos", () => {
  const pg = (filter: string) => userFilter(filter, POSTGRES_FILTER_SQL);
  const EMAILS = "FROM jsonb_array_elements(e0.emails) WITH ORDINALITY e0_1(value, key)";
  it.each<[string, string, unknown[]]>([
    // The folded key column and LIKE on lower-cased text: PostgreSQL's LIKE is case-sensitive.
    ['userName eq "Bjensen"', "e0.user_name_key = ?", ["bjensen"]],
    ['userName co "Jen"', `e0.user_name_key LIKE ? ${ESC}`, ["%jen%"]],
    ['title co "Guide"', `lower(e0.title) LIKE lower(?) ${ESC}`, ["%Guide%"]],
    ['externalId co "AbC"', "strpos(e0.external_id, ?) > 0", ["AbC"]],
    ['externalId sw "AbC"', "strpos(e0.external_id, ?) = 1", ["AbC"]],
    ['externalId ew "AbC"', "substr(e0.external_id, length(e0.external_id) - length(?) + 1) = ?", ["AbC", "AbC"]],
    ["active eq true", "e0.active = ?", [true]],
    ['not (active eq "False")', "NOT coalesce(e0.active = ?, false)", [false]],
    ['meta.lastModified gt "2026-01-01T01:00:00+01:00"', "e0.updated_at > ?", ["2026-01-01T00:00:00.000Z"]],
    ['emails[type eq "work"]', `EXISTS (SELECT 1 ${EMAILS} WHERE lower((e0_1.value ->> 'type')) = lower(?))`, ["work"]],
    // `->>` reads JSON true as the text 'true'.
    ["emails[primary eq true]", `EXISTS (SELECT 1 ${EMAILS} WHERE (e0_1.value ->> 'primary') = ?)`, ["true"]],
    ["emails pr", `EXISTS (SELECT 1 ${EMAILS})`, []],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', "lower((e0.enterprise ->> 'department')) = lower(?)", ["x"]],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"', "lower((e0.enterprise -> 'manager' ->> 'value')) = lower(?)", ["x"]],
  ])("%s", (filter, sql, params) => {
    expect(pg(filter)).toEqual({ sql, params });
  });

  it("a group's members and a user's groups read the same tables as on SQLite", () => {
    expect(groupFilter('members[value eq "U1"]', POSTGRES_FILTER_SQL)).toEqual(groupFilter('members[value eq "U1"]'));
    expect(pg('groups[value eq "G1" and type eq "direct"]')).toEqual(userFilter('groups[value eq "G1" and type eq "direct"]'));
  });
});

const DIALECTS: Array<[string, FilterSqlDialect]> = [["SQLite", SQLITE_FILTER_SQL], ["PostgreSQL", POSTGRES_FILTER_SQL]];

describe("injection: no client text reaches SQL", () => {
  describe.each(DIALECTS)("%s", (_, dialect) => {
    it.each([
      `x' or 1=1 --`,
      `x"); DROP TABLE "user"; --`,
      `'; select * from scim_token; --`,
      `%' OR '1'='1`,
      `x?y ?? $1`,
    ])("the operand %s is a bound parameter, never SQL", (evil) => {
      const filter = [
        `userName eq ${JSON.stringify(evil)}`,
        `title co ${JSON.stringify(evil)}`,
        `externalId ew ${JSON.stringify(evil)}`,
        `emails[value sw ${JSON.stringify(evil)}]`,
        `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq ${JSON.stringify(evil)}`,
      ].join(" or ");
      const { sql, params } = userFilter(filter, dialect);
      expect(sql).not.toMatch(/drop|1=1|scim_token|'1'|\$1/i);
      // Every "?" is a placeholder (knex numbers them for PostgreSQL), one per parameter.
      expect(sql.split("?").length - 1).toBe(params.length);
      expect(params).toEqual(expect.arrayContaining([evil.toLowerCase(), evil]));
    });
  });

  it.each([
    'userName) or 1=1 -- eq "x"',
    'userName or 1=1 eq "x"',
    "userName; DROP TABLE user eq \"x\"",
    'userName/**/eq "x"',
    'user_name_key eq "x"',
    "e0.id pr",
    'userName eq "x" --',
    "emails[type eq \"work\"] or 1 eq 1",
    'name.givenName.foo eq "x"',
    "emails[value' eq \"x\"]",
  ])("the attribute text %s is refused as invalidFilter, never SQL", (filter) => {
    expect(scimErrorOf(() => userPredicate(filter))).toMatchObject({ status: 400, scimType: "invalidFilter" });
  });

  // The renderer trusts no caller: a predicate built by hand cannot name SQL either.
  it.each<[string, FilterPredicate]>([
    ["a JSON key that would close the quoted path", { kind: "some", collection: "emails", where: { kind: "present", value: { kind: "item", name: "value') or 1=1 --" }, text: true } }],
    ["an extension key path that is not plain names", { kind: "present", value: { kind: "extension", keys: ["manager", "x'"] }, text: true }],
    ["a property the resource does not have", { kind: "present", value: { kind: "property", name: "constructor" as "id" }, text: true }],
    ["an item of groups that is not value, display or type", { kind: "some", collection: "groups", where: { kind: "present", value: { kind: "item", name: "group_id" }, text: true } }],
    ["an item outside some", { kind: "present", value: { kind: "item", name: "value" }, text: true }],
  ])("%s is a programming error, not SQL", (_, predicate) => {
    for (const [, dialect] of DIALECTS) expect(() => renderFilter(predicate, "User", "e0", dialect)).toThrow(Error);
  });

  it("a collection or property of the other resource type is a programming error", () => {
    expect(() => renderFilter({ kind: "some", collection: "members", where: ANY }, "User", "e0", SQLITE_FILTER_SQL)).toThrow(/User has no members/);
    expect(() => renderFilter({ kind: "present", value: { kind: "property", name: "userName" }, text: true }, "Group", "e0", SQLITE_FILTER_SQL)).toThrow(/Group has no property userName/);
  });

  it("an alias that is not an identifier is a programming error, not SQL", () => {
    expect(() => renderFilter(compileFilter('userName eq "x"', User), "User", "e0; drop", SQLITE_FILTER_SQL)).toThrow(/not a SQL alias/);
    expect(() => renderSort(compileSortBy("userName", User), "User", "e0; drop", POSTGRES_FILTER_SQL)).toThrow(/not a SQL alias/);
  });
});

describe("compileFilter: invalidFilter", () => {
  it.each([
    ["", /empty/],
    ["   ", /empty/],
    ['userName eq "x" and', /syntax/],
    ['(userName eq "x"', /syntax/],
    ['userName eq "x")', /syntax/],
    ["userName eq x", /syntax/],
    ["userName", /syntax/],
    ['userName like "x"', /syntax/],
    ['emails[type eq "work"', /syntax/],
    ['nosuch eq "x"', /unknown attribute "nosuch"/],
    ['urn:example:custom:2.0:User:x eq "y"', /unknown attribute/],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch eq "x"', /unknown attribute/],
    ['name.nosuch eq "x"', /unknown attribute/],
    ['emails[nosuch eq "x"]', /unknown sub-attribute "nosuch" of emails/],
    ['emails[emails.type eq "x"]', /name a sub-attribute/],
    ['password eq "secret"', /password cannot be used in a filter/],
    ["password pr", /never returned/],
    ["active gt true", /"gt" does not apply to the boolean attribute active/],
    ["active le false", /boolean/],
    ['active co "t"', /boolean/],
    ["emails.primary ge true", /boolean/],
    ['active eq "yes"', /compare it with true or false/],
    ["active eq 1", /compare it with true or false/],
    ['x509Certificates.value gt "A"', /binary/],
    ['meta.created co "2026"', /"co" does not apply to the dateTime/],
    ['meta.lastModified gt "yesterday"', /xsd:dateTime/],
    ['meta.lastModified gt "2026-02-31T00:00:00Z"', /xsd:dateTime/],
    ['meta.lastModified gt "2026-01-01"', /xsd:dateTime/],
    ["meta.lastModified gt 1767225600000", /xsd:dateTime/],
    ["userName eq 42", /compare it with a quoted string/],
    ["userName eq true", /quoted string/],
    ["userName gt null", /only eq and ne compare with null/],
    ['name eq "Ada"', /name is complex/],
    ['meta eq "x"', /complex/],
    ['addresses eq "x"', /addresses has no "value"/],
    ['userName[value eq "x"]', /a value filter applies to a complex attribute/],
    ['emails.value[value eq "x"]', /a value filter applies to a complex attribute/],
    ['emails[type eq "work" and phoneNumbers[type eq "x"]]', /cannot be nested/],
    ['emails[type eq "work"].value co "x"', /cannot follow/],
    ['meta.location eq "x"', /meta.location cannot be used/],
    ['meta.version eq "x"', /meta.version cannot be used/],
  ])("%s", (filter, detail) => {
    const error = scimErrorOf(() => userPredicate(filter));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });

  it.each([
    ['userName eq "x"', /unknown attribute "userName" for Group/],
    ['members.nosuch eq "x"', /unknown attribute "members.nosuch"/],
    ['members[nosuch eq "x"]', /unknown sub-attribute "nosuch" of members/],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', /unknown attribute/],
  ])("Group: %s", (filter, detail) => {
    const error = scimErrorOf(() => compileFilter(filter, Group));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });
});

describe("compileSortBy (RFC 7644 §3.4.2.3)", () => {
  it.each<[ResourceSchema["name"], string, unknown]>([
    ["User", "userName", { kind: "value", value: property("userName"), caseIgnoring: true }],
    ["User", "externalId", { kind: "value", value: property("externalId"), caseIgnoring: false }],
    ["User", "meta.lastModified", { kind: "value", value: property("updatedAt"), caseIgnoring: false }],
    ["User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", { kind: "value", value: { kind: "extension", keys: ["manager", "value"] }, caseIgnoring: true }],
    ["User", "emails", { kind: "primaryItem", collection: "emails", item: "value", caseIgnoring: true }],
    ["User", "x509Certificates", { kind: "primaryItem", collection: "x509Certificates", item: "value", caseIgnoring: false }],
    ["Group", "meta.resourceType", { kind: "constant" }],
  ])("%s: %s is a sort key", (resource, sortBy, key) => {
    expect(compileSortBy(sortBy, RESOURCE_SCHEMAS[resource])).toEqual(key);
  });

  const primaryFirst = "ORDER BY CASE WHEN json_extract(e0_s.value, '$.primary') = 1 THEN 0 ELSE 1 END, e0_s.key LIMIT 1)";
  it.each<[ResourceSchema["name"], string, string]>([
    ["User", "userName", "e0.user_name_key"],
    ["User", "USERNAME", "e0.user_name_key"],
    ["User", "name.familyName", "lower(e0.family_name)"],
    ["User", "externalId", "e0.external_id"],
    ["User", "meta.lastModified", "e0.updated_at"],
    ["User", "active", "e0.active"],
    ["User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "lower(json_extract(CASE WHEN json_valid(e0.enterprise) THEN e0.enterprise END, '$.department'))"],
    ["User", "emails", `(SELECT lower(json_extract(e0_s.value, '$.value')) FROM json_each(CASE WHEN json_valid(e0.emails) THEN e0.emails END) e0_s ${primaryFirst}`],
    ["User", "emails.type", `(SELECT lower(json_extract(e0_s.value, '$.type')) FROM json_each(CASE WHEN json_valid(e0.emails) THEN e0.emails END) e0_s ${primaryFirst}`],
    ["Group", "displayName", "e0.display_name_key"],
    // Every group the same: an expression, not a literal PostgreSQL would refuse in ORDER BY.
    ["Group", "meta.resourceType", "(1 = 1)"],
  ])("SQLite, %s: %s", (resource, sortBy, sql) => {
    expect(renderSort(compileSortBy(sortBy, RESOURCE_SCHEMAS[resource]), resource, "e0", SQLITE_FILTER_SQL)).toBe(sql);
  });

  it.each<[ResourceSchema["name"], string, string]>([
    ["User", "userName", "e0.user_name_key"],
    ["User", "meta.created", "e0.created_at"],
    ["User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "lower((e0.enterprise ->> 'department'))"],
    [
      "User",
      "emails",
      "(SELECT lower((e0_s.value ->> 'value')) FROM jsonb_array_elements(e0.emails) WITH ORDINALITY e0_s(value, key) " +
        "ORDER BY CASE WHEN e0_s.value ->> 'primary' = 'true' THEN 0 ELSE 1 END, e0_s.key LIMIT 1)",
    ],
    ["Group", "displayName", "e0.display_name_key"],
  ])("PostgreSQL, %s: %s", (resource, sortBy, sql) => {
    expect(renderSort(compileSortBy(sortBy, RESOURCE_SCHEMAS[resource]), resource, "e0", POSTGRES_FILTER_SQL)).toBe(sql);
  });

  it.each([
    ["", /empty/],
    ["nosuch", /unknown attribute/],
    ["password", /never returned/],
    ["name", /complex/],
    ["addresses", /sub-attributes/],
    ["groups", /cannot sort by groups/],
    ["userName) desc; --", /unknown attribute/],
  ])("%s is invalidFilter", (sortBy, detail) => {
    const error = scimErrorOf(() => compileSortBy(sortBy, User));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });
});

describe("compileFilter: quoted values are JSON strings (RFC 7644 §3.4.2.2 compValue)", () => {
  it.each<[string, string]>([
    // How a client writes CORP\jdoe; the parser alone read it as two backslashes.
    ['userName eq "CORP\\\\jdoe"', "CORP\\jdoe"],
    ['userName eq "\\u00e9lodie@x.test"', "élodie@x.test"],
    ['userName eq "say \\"hi\\""', 'say "hi"'],
    ['userName eq "a\\/b"', "a/b"],
    // Ends in an escaped backslash: the parser alone refused the filter.
    ['userName eq "trailing\\\\"', "trailing\\"],
    // A backslash that starts no JSON escape is kept as written (a client that did not escape).
    ['userName eq "CORP\\jdoe"', "CORP\\jdoe"],
    ['userName eq "\\u12"', "\\u12"],
    ['userName eq "no escapes"', "no escapes"],
  ])("%s compares with %j", (filter, value) => {
    expect(userPredicate(filter)).toEqual({ kind: "compare", value: property("userName"), op: "eq", operand: text(value) });
  });

  it("decodes values inside value paths, logical operators and not", () => {
    expect(userPredicate('emails[value eq "a\\\\b" or type eq "w\\u006frk"] and not (displayName eq "\\"q\\"")')).toEqual({
      kind: "and", predicates: [
        { kind: "some", collection: "emails", where: { kind: "or", predicates: [
          { kind: "compare", value: item("value"), op: "eq", operand: text("a\\b") },
          { kind: "compare", value: item("type"), op: "eq", operand: text("work") },
        ] } },
        { kind: "not", predicate: { kind: "compare", value: property("displayName"), op: "eq", operand: text('"q"') } },
      ],
    });
  });

  it.each([
    ['userName eq "\\u0000"', "NUL"],
    ['id eq "a\\u0000b" or id eq "x"', "NUL inside"],
    ['userName eq "\\ud800"', "a lone high surrogate"],
    ['emails[value eq "\\udc00x"]', "a lone low surrogate in a value path"],
  ])("refuses %s (%s, written as an escape) as invalidFilter", (filter) => {
    const error = scimErrorOf(() => userPredicate(filter));
    expect([error.status, error.scimType]).toEqual([400, "invalidFilter"]);
  });

  it("decodes a surrogate pair written as two escapes into its one character", () => {
    expect(userPredicate('userName eq "\\ud83d\\ude00"')).toEqual({ kind: "compare", value: property("userName"), op: "eq", operand: text("😀") });
  });

  it("keeps a value that looks like the placeholder the parser is handed", () => {
    expect(userPredicate('userName eq "#0#" or userName eq "#1#"')).toEqual({
      kind: "or", predicates: [
        { kind: "compare", value: property("userName"), op: "eq", operand: text("#0#") },
        { kind: "compare", value: property("userName"), op: "eq", operand: text("#1#") },
      ],
    });
  });
});
