import { ScimError } from "../../src/scim/errors";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import { SQLITE_DIALECT } from "../../src/scim/filter/dialect";
import { RESOURCE_SCHEMAS, type ResourceSchema } from "../../src/scim/schema";

const { User, Group } = RESOURCE_SCHEMAS;
const userFilter = (filter: string) => compileFilter(filter, User, "e0", SQLITE_DIALECT);
const groupFilter = (filter: string) => compileFilter(filter, Group, "e0", SQLITE_DIALECT);
const ESC = "ESCAPE '\\'";
const JAN_2026 = Date.UTC(2026, 0, 1);

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

describe("compileFilter: each operator (RFC 7644 §3.4.2.2)", () => {
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
    ['meta.resourceType eq "User"', "'User' = ?", ["User"]],
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

describe("compileFilter: logic and grouping", () => {
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

describe("compileFilter: multi-valued attributes and value paths", () => {
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
    expect(sql).toMatch(/^EXISTS \(SELECT 1 FROM \(with recursive e0_1_reach\(group_id, direct\) as \(\s*select group_id, 1 from group_membership where member_user_id = e0\.id\s/);
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
    ['meta.resourceType eq "Group"', "'Group' = ?", ["Group"]],
  ])("Group: %s", (filter, sql, params) => {
    expect(groupFilter(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: attribute names", () => {
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

describe("compileFilter: injection", () => {
  it.each([
    `x' or 1=1 --`,
    `x"); DROP TABLE "user"; --`,
    `'; select * from scim_token; --`,
    `%' OR '1'='1`,
  ])("the operand %s is a bound parameter, never SQL", (evil) => {
    const { sql, params } = userFilter(`userName eq ${JSON.stringify(evil)} or title co ${JSON.stringify(evil)} or emails[value sw ${JSON.stringify(evil)}]`);
    expect(sql).not.toMatch(/drop|1=1|scim_token|'1'/i);
    expect(sql.split("?").length - 1).toBe(params.length);
    expect(params).toEqual(expect.arrayContaining([evil.toLowerCase()]));
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
    expect(scimErrorOf(() => userFilter(filter))).toMatchObject({ status: 400, scimType: "invalidFilter" });
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
    const error = scimErrorOf(() => userFilter(filter));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });

  it.each([
    ['userName eq "x"', /unknown attribute "userName" for Group/],
    ['members.nosuch eq "x"', /unknown attribute "members.nosuch"/],
    ['members[nosuch eq "x"]', /unknown sub-attribute "nosuch" of members/],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', /unknown attribute/],
  ])("Group: %s", (filter, detail) => {
    const error = scimErrorOf(() => groupFilter(filter));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });

  it("an alias that is not an identifier is a programming error, not SQL", () => {
    expect(() => compileFilter('userName eq "x"', User, "e0; drop", SQLITE_DIALECT)).toThrow(/not a SQL alias/);
  });
});

describe("compileSortBy (RFC 7644 §3.4.2.3)", () => {
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
  ])("%s: %s", (resource, sortBy, sql) => {
    expect(compileSortBy(sortBy, RESOURCE_SCHEMAS[resource], "e0", SQLITE_DIALECT)).toBe(sql);
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
    const error = scimErrorOf(() => compileSortBy(sortBy, User, "e0", SQLITE_DIALECT));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toMatch(detail);
  });
});
