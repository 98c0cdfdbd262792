import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { FilterPredicate } from "../../src/domain/ports/filter";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import { RESOURCE_SCHEMAS, type ResourceTypeName } from "../../src/scim/schema";
import { Group, GroupMembership, Organization, User } from "../../src/store/entities";
import { migrateToLatest, openOrm } from "../../src/store/orm";
import { createScratchDatabase } from "../../src/store/postgres/scratch-database";
import { POSTGRES_FILTER_SQL, renderFilter, renderSort, SQLITE_FILTER_SQL, type FilterSqlDialect } from "../../src/store/sql/filter";

// The rendered SQL run against real, migrated databases: which rows each filter selects. SQLite
// always; PostgreSQL too when TEST_DATABASE_URL names a server (scripts/with-postgres.sh), where
// every expectation must hold alike: same rows, same order.

interface Database {
  name: "SQLite" | "PostgreSQL";
  dialect: FilterSqlDialect;
  /** A new, empty, migrated database, and how to remove it. */
  open(): Promise<{ orm: MikroORM; dispose(): Promise<void> }>;
}

const SQLITE: Database = {
  name: "SQLite",
  dialect: SQLITE_FILTER_SQL,
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), "idgraph-filter-"));
    const orm = await openOrm({ kind: "sqlite", path: join(dir, "filter.sqlite") });
    return { orm, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const POSTGRES: Database = {
  name: "PostgreSQL",
  dialect: POSTGRES_FILTER_SQL,
  open: async () => {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL as string, "idgraph_filter");
    const orm = await openOrm({ kind: "postgres", url: scratch.url });
    return { orm, dispose: scratch.drop };
  },
};

const DATABASES: Database[] = process.env.TEST_DATABASE_URL ? [SQLITE, POSTGRES] : [SQLITE];

describe.each(DATABASES)("SCIM filters on $name", (database) => {
  let orm: MikroORM;
  let dispose: () => Promise<void>;
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
    ({ orm, dispose } = await database.open());
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
      // Kept as sent: a number, which no schema attribute is today, for the renderer's numeric comparison.
      addresses: [{ type: "work", floor: 12 }],
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
    await orm?.close(true);
    await dispose?.();
  });

  const TABLES: Record<ResourceTypeName, string> = { User: `"user"`, Group: `"group"` };

  function whereOf(resource: ResourceTypeName, filter: string) {
    return renderFilter(compileFilter(filter, RESOURCE_SCHEMAS[resource]), resource, "e0", database.dialect);
  }

  async function select(resource: ResourceTypeName, filter: string | FilterPredicate, sortBy?: string): Promise<string[]> {
    const where = typeof filter === "string" ? whereOf(resource, filter) : renderFilter(filter, resource, "e0", database.dialect);
    const order = sortBy ? `${renderSort(compileSortBy(sortBy, RESOURCE_SCHEMAS[resource]), resource, "e0", database.dialect)}, e0.id` : "e0.id";
    const sql = `select e0.id from ${TABLES[resource]} e0 where e0.organization_id = ? and (${where.sql}) order by ${order}`;
    const rows = (await orm.em.fork().getConnection().execute(sql, [org.id, ...where.params])) as Array<{ id: string }>;
    const names = new Map<string, string>([...Object.entries(users), ...Object.entries(groups)].map(([key, row]) => [row.id, key]));
    return rows.map((r) => names.get(r.id) ?? r.id);
  }

  /** The plan of a filtered select: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with sequential scans priced out (the tables are tiny). */
  async function planOf(resource: ResourceTypeName, filter: string): Promise<string> {
    const where = whereOf(resource, filter);
    const select = `select e0.id from ${TABLES[resource]} e0 where e0.organization_id = ? and (${where.sql})`;
    const params = [org.id, ...where.params];
    if (database.name === "SQLite") {
      const plan = (await orm.em.fork().getConnection().execute(`explain query plan ${select}`, params)) as Array<{ detail: string }>;
      return plan.map((r) => r.detail).join(" | ");
    }
    const plan = await (orm.em.fork() as SqlEntityManager).transactional(async (em) => {
      // Plans depend on statistics: without them, a three-row table ties every index of its organization.
      await em.execute(`analyze ${TABLES[resource]}`);
      await em.execute("set local enable_seqscan = off");
      return (await em.execute(`explain ${select}`, params)) as Array<{ "QUERY PLAN": string }>;
    });
    return plan.map((r) => r["QUERY PLAN"]).join(" | ");
  }

  /** The plan line of an index search on `index`, in each database's words. */
  const INDEX_SEARCH = (index: string) =>
    database.name === "SQLite" ? new RegExp(`SEARCH e0 USING (COVERING )?INDEX ${index}`) : new RegExp(`Index (Only )?Scan using ${index} on`);

  const sorted = (keys: string[]) => [...keys].sort();

  describe("users", () => {
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
      // Non-ASCII letters compare in any case too (SQLite's lower() and LIKE fold ASCII only).
      ['displayName eq "Ärger"', ["linus"]],
      ['displayName eq "ärger"', ["linus"]],
      ['displayName eq "ÄRGER"', ["linus"]],
      ['displayName sw "äR"', ["linus"]],
      ['displayName co "RgE"', ["linus"]],
      ['displayName ew "ÄRGER"', ["linus"]],
      ['displayName co "ö"', []],
      ['not (displayName eq "ärger")', ["ada", "grace"]],
      // GLOB's wildcards in an operand are literal.
      ['displayName eq "ä*"', []],
      ['displayName sw "ä?"', []],
      ['displayName eq "[ä]rger"', []],
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
      // The same resourceType for all: the tie-breaker (ids, in creation order) decides.
      expect(await select("User", "userName pr", "meta.resourceType")).toEqual(["ada", "grace", "linus"]);
    });

    it("compares a JSON number as a number (10 < 12 < 9 as text)", async () => {
      const floor = (op: "gt" | "lt", value: number): FilterPredicate => ({
        kind: "some",
        collection: "addresses",
        where: { kind: "compare", value: { kind: "item", name: "floor" }, op, operand: { type: "number", value } },
      });
      expect(await select("User", floor("gt", 10))).toEqual(["ada"]);
      expect(await select("User", floor("lt", 9))).toEqual([]);
    });

    it.each([
      // Constants decided before any row is read.
      ['meta.resourceType eq "User"', ["ada", "grace", "linus"]],
      ['meta.resourceType eq "Group" or title pr', ["ada"]],
      ["not (meta pr)", []],
      // An ew operand longer than any value: substr's start falls before the first character.
      ['externalId ew "a much longer suffix than ExtAda"', []],
      ['not (externalId ew "a much longer suffix than ExtAda")', ["ada", "grace", "linus"]],
      ['externalId gt "ext"', ["grace"]],
      ['userName ge "grace" and userName lt "LINUS"', ["grace"]],
    ])("%s", async (filter, expected) => {
      expect(sorted(await select("User", filter))).toEqual(sorted(expected));
    });

    it("userName eq is an index search on user_org_user_name_key_unique", async () => {
      expect(await planOf("User", 'userName eq "Ada.Lovelace"')).toMatch(INDEX_SEARCH("user_org_user_name_key_unique"));
    });
  });

  describe("groups", () => {
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
      expect(await select("Group", `members.value eq "${users.ada!.id.toUpperCase()}"`)).toEqual(["engineers"]);
      expect(await select("Group", `members.value sw "${users.ada!.id.toUpperCase()}"`)).toEqual(["engineers"]);
      expect(await select("Group", `members[value eq "${groups.platform!.id}" and type eq "Group"]`)).toEqual(["engineers"]);
      expect(await select("Group", `members[value eq "${groups.platform!.id}" and type eq "User"]`)).toEqual([]);
      expect(sorted(await select("Group", `not (members[value eq "${users.ada!.id}"])`))).toEqual(["empty", "platform"]);
    });

    it("displayName eq is an index search on group_org_display_name_key_unique", async () => {
      expect(await planOf("Group", 'displayName eq "Engineers"')).toMatch(INDEX_SEARCH("group_org_display_name_key_unique"));
    });
  });
});
