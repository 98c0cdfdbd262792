import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import { SQLITE_DIALECT } from "../../src/scim/filter/dialect";
import { RESOURCE_SCHEMAS, type ResourceTypeName } from "../../src/scim/schema";
import { Group, GroupMembership, Organization, User } from "../../src/store/entities";
import { migrateToLatest, openOrm } from "../../src/store/orm";

// The compiled SQL run against a real, migrated SQLite database: which rows each filter selects.

let orm: MikroORM;
let dir: string;
const org = new Organization();
const otherOrg = new Organization();
const users: Record<string, User> = {};
const groups: Record<string, Group> = {};

function user(key: string, userName: string, fields: Partial<User> = {}, organization = org): User {
  const u = Object.assign(new User(), { organization, userName, userNameKey: userName.toLowerCase(), ...fields });
  users[key] = u;
  return u;
}

function group(key: string, displayName: string): Group {
  const g = Object.assign(new Group(), { organization: org, displayName, displayNameKey: displayName.toLowerCase() });
  groups[key] = g;
  return g;
}

function membership(of: Group, member: User | Group): GroupMembership {
  return Object.assign(new GroupMembership(), { group: of, ...(member instanceof User ? { memberUser: member } : { memberGroup: member }) });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "idgraph-filter-"));
  orm = await openOrm({ kind: "sqlite", path: join(dir, "filter.sqlite") });
  await migrateToLatest(orm);
  Object.assign(org, { name: "Acme" });
  Object.assign(otherOrg, { name: "Other" });
  user("ada", "Ada.Lovelace", {
    displayName: "Ada",
    externalId: "ExtAda",
    title: "Engineer",
    givenName: "Ada",
    emails: [{ value: "zz-ada@home.org", type: "home" }, { value: "ada@Example.com", type: "work", primary: true }],
    enterprise: { department: "R&D", manager: { value: "boss-1" } },
    createdAt: new Date("2025-01-01T00:00:00Z"),
    updatedAt: new Date("2026-02-01T00:00:00Z"),
  });
  // A home address that mentions "work" and a work address that does not: same-element tests.
  user("grace", "grace", {
    externalId: "extgrace",
    active: false,
    emails: [{ value: "grace@work.example.com", type: "home" }, { value: "g@example.com", type: "work" }],
    createdAt: new Date("2025-03-01T00:00:00Z"),
    updatedAt: new Date("2025-12-31T23:59:59.999Z"),
  });
  user("linus", "Linus_T", { externalId: "100%_ext", title: "", displayName: "Ärger", emails: [], createdAt: new Date("2025-06-01T00:00:00Z"), updatedAt: new Date("2026-01-01T00:00:00Z") });
  user("stranger", "ada.lovelace", { title: "Engineer" }, otherOrg);
  group("engineers", "Engineers");
  group("platform", "Platform");
  group("empty", "Empty");
  const em = orm.em.fork();
  em.persist([org, otherOrg, ...Object.values(users), ...Object.values(groups)]);
  // Engineers ⊃ Platform (nested); Ada is in Engineers directly, Grace through Platform.
  em.persist([membership(groups.engineers!, users.ada!), membership(groups.engineers!, groups.platform!), membership(groups.platform!, users.grace!)]);
  await em.flush();
});

afterAll(async () => {
  await orm.close(true);
  rmSync(dir, { recursive: true, force: true });
});

const TABLES: Record<ResourceTypeName, string> = { User: `"user"`, Group: `"group"` };

async function select(resource: ResourceTypeName, filter: string, sortBy?: string): Promise<string[]> {
  const where = compileFilter(filter, RESOURCE_SCHEMAS[resource], "e0", SQLITE_DIALECT);
  const order = sortBy ? `${compileSortBy(sortBy, RESOURCE_SCHEMAS[resource], "e0", SQLITE_DIALECT)}, e0.id` : "e0.id";
  const sql = `select e0.id from ${TABLES[resource]} e0 where e0.organization_id = ? and (${where.sql}) order by ${order}`;
  const rows = (await orm.em.fork().getConnection().execute(sql, [org.id, ...where.params])) as Array<{ id: string }>;
  const names = new Map<string, string>([...Object.entries(users), ...Object.entries(groups)].map(([key, row]) => [row.id, key]));
  return rows.map((r) => names.get(r.id) ?? r.id);
}

const sorted = (keys: string[]) => [...keys].sort();

describe("SCIM filters on SQLite: users", () => {
  it.each([
    // userName is case-insensitive and scoped to the organization.
    ['userName eq "ADA.LOVELACE"', ["ada"]],
    ['userName co "_"', ["linus"]],
    ['userName sw "GR"', ["grace"]],
    ['title co "ENG"', ["ada"]],
    ['title eq "engineer"', ["ada"]],
    // externalId is caseExact: co/sw/ew are case-sensitive and treat % and _ literally.
    ['externalId eq "extada"', []],
    ['externalId eq "ExtAda"', ["ada"]],
    ['externalId co "ext"', ["grace", "linus"]],
    ['externalId co "Ext"', ["ada"]],
    ['externalId sw "ext"', ["grace"]],
    ['externalId ew "_ext"', ["linus"]],
    ['externalId ew "Ada"', ["ada"]],
    ['externalId ew ""', ["ada", "grace", "linus"]],
    ['externalId co "%"', ["linus"]],
    // Non-ASCII: SQLite folds ASCII only, but an exact-case match always matches.
    ['displayName eq "Ärger"', ["linus"]],
    // Multi-valued: the value path holds both conditions on one e-mail; the sub-attribute form does not.
    ['emails[type eq "work" and value co "work"]', []],
    ['emails.type eq "work" and emails.value co "work"', ["grace"]],
    ['emails[type eq "WORK"]', ["ada", "grace"]],
    ['emails co "EXAMPLE.com"', ["ada", "grace"]],
    ["emails[primary eq true]", ["ada"]],
    ["emails pr", ["ada", "grace"]],
    ['emails.value ne "g@example.com"', ["ada", "linus"]],
    ['emails[type ne "work"]', ["ada", "grace"]],
    // dateTime compares instants.
    ['meta.lastModified gt "2026-01-01T00:00:00Z"', ["ada"]],
    ['meta.lastModified ge "2026-01-01T00:00:00Z"', ["ada", "linus"]],
    ['meta.lastModified lt "2026-01-01T01:00:00+01:00"', ["grace"]],
    ['meta.created le "2025-03-01T00:00:00Z"', ["ada", "grace"]],
    // not and absent values: a user without a title is "not (title pr)" and "title ne".
    ["active eq false", ["grace"]],
    ['not (active eq "True")', ["grace"]],
    ["title pr", ["ada"]],
    ["not (title pr)", ["grace", "linus"]],
    ["title eq null", ["grace", "linus"]],
    ['title ne "ENGINEER"', ["grace", "linus"]],
    ['not (title eq "engineer" or userName sw "g")', ["linus"]],
    ['not (title co "x")', ["ada", "grace", "linus"]],
    // Enterprise extension, URN-qualified.
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"', ["ada"]],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss-1"', ["ada"]],
    ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr", ["ada"]],
    ['name[givenName eq "ADA"]', ["ada"]],
  ])("%s", async (filter, expected) => {
    expect(sorted(await select("User", filter))).toEqual(sorted(expected));
  });

  it("groups include nested memberships, typed direct or indirect", async () => {
    expect(sorted(await select("User", `groups.value eq "${groups.engineers!.id}"`))).toEqual(["ada", "grace"]);
    expect(await select("User", `groups[value eq "${groups.engineers!.id}" and type eq "direct"]`)).toEqual(["ada"]);
    expect(await select("User", `groups[value eq "${groups.engineers!.id}" and type eq "indirect"]`)).toEqual(["grace"]);
    expect(await select("User", 'groups.display eq "PLATFORM"')).toEqual(["grace"]);
    expect(await select("User", "not (groups pr)")).toEqual(["linus"]);
  });

  it("sortBy emails uses the primary e-mail, else the first", async () => {
    // Ada's primary, ada@example.com, is her second e-mail (her first, zz-ada@…, would sort last);
    // Grace has no primary, so her first, grace@work…, counts.
    expect(await select("User", "emails pr", "emails")).toEqual(["ada", "grace"]);
    expect(await select("User", "emails pr", "emails.type")).toEqual(["grace", "ada"]);
    expect(await select("User", "userName pr", "userName")).toEqual(["ada", "grace", "linus"]);
    expect(await select("User", "userName pr", "meta.lastModified")).toEqual(["grace", "linus", "ada"]);
  });

  it("userName eq is an index search on user_org_user_name_key_unique", async () => {
    const where = compileFilter('userName eq "Ada.Lovelace"', RESOURCE_SCHEMAS.User, "e0", SQLITE_DIALECT);
    const plan = (await orm.em
      .fork()
      .getConnection()
      .execute(`explain query plan select e0.id from "user" e0 where e0.organization_id = ? and (${where.sql})`, [org.id, ...where.params])) as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join(" | ")).toMatch(/SEARCH e0 USING (COVERING )?INDEX user_org_user_name_key_unique/);
  });
});

describe("SCIM filters on SQLite: groups", () => {
  it.each([
    ['displayName eq "ENGINEERS"', ["engineers"]],
    ['displayName co "form"', ["platform"]],
    ["members pr", ["engineers", "platform"]],
    ["not (members pr)", ["empty"]],
    ['members.type eq "Group"', ["engineers"]],
    ['members.display co "GRACE"', ["platform"]],
    ['members.display eq "Ada"', ["engineers"]],
    ['members[type eq "group" and display eq "platform"]', ["engineers"]],
  ])("%s", async (filter, expected) => {
    expect(sorted(await select("Group", filter))).toEqual(sorted(expected));
  });

  it("members[value eq …] finds the groups holding that member, on the same membership row", async () => {
    expect(await select("Group", `members[value eq "${users.ada!.id}"]`)).toEqual(["engineers"]);
    expect(await select("Group", `members[value eq "${groups.platform!.id}" and type eq "Group"]`)).toEqual(["engineers"]);
    expect(await select("Group", `members[value eq "${groups.platform!.id}" and type eq "User"]`)).toEqual([]);
    expect(sorted(await select("Group", `not (members[value eq "${users.ada!.id}"])`))).toEqual(["empty", "platform"]);
  });

  it("displayName eq is an index search on group_org_display_name_key_unique", async () => {
    const where = compileFilter('displayName eq "Engineers"', RESOURCE_SCHEMAS.Group, "e0", SQLITE_DIALECT);
    const plan = (await orm.em
      .fork()
      .getConnection()
      .execute(`explain query plan select e0.id from "group" e0 where e0.organization_id = ? and (${where.sql})`, [org.id, ...where.params])) as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join(" | ")).toMatch(/SEARCH e0 USING (COVERING )?INDEX group_org_display_name_key_unique/);
  });
});
