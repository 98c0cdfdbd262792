import { openOrm } from "../../src/store/orm";
import { fixtures } from "../helpers/graph-fixtures";
import { testDatabaseKind } from "../helpers/database";
import { startFleet, type Fleet, type FleetMember } from "../helpers/fleet";
import { scimClient, type ScimCall, type ScimResponse } from "../helpers/scim";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const addMember = (value: string) => ({ schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value }] }] });
const newUser = (userName: string) => ({ schemas: [USER], userName, name: { givenName: "F", familyName: "Leet" }, active: true });

/** Every response of a burst, for one assertion that names what went wrong. */
const statuses = (responses: ScimResponse[]) => responses.map((r) => r.status).sort();
const serverErrors = (responses: ScimResponse[]) => responses.filter((r) => r.status >= 500).map((r) => r.body);

/**
 * Two `idgraph serve` processes on one database, as behind a load balancer: requests alternate
 * between them. Whatever one process writes the other reads at once, races across processes have
 * exactly one winner, and nothing answers 500. On SQLite the processes share one file: write
 * transactions take the write lock up front and wait for it (store/sqlite/immediate-transactions.ts).
 */
describe(`two processes on one database (${testDatabaseKind()})`, () => {
  let fleet: Fleet;
  let a: FleetMember;
  let b: FleetMember;
  let organizationId: string;
  let token: string;
  /** SCIM through process A, process B, or alternating request by request. */
  let viaA: ScimCall;
  let viaB: ScimCall;
  const both = (i: number) => (i % 2 === 0 ? viaA : viaB);

  beforeAll(async () => {
    // Started at the same moment on an empty database: they race to migrate it, and both come up.
    fleet = await startFleet(2);
    [a, b] = fleet.members as [FleetMember, FleetMember];
    organizationId = await fixtures(a).organization("Fleet");
    token = (await a.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "okta"}) { secret } }`, { o: organizationId })).createScimToken.secret;
    viaA = scimClient(a, token);
    viaB = scimClient(b, token);
  }, 180_000);
  afterAll(async () => fleet?.close());

  it("both processes are ready on the schema they raced to migrate, each migration applied once", async () => {
    for (const member of fleet.members) expect((await fetch(`${member.url}/readyz`)).status).toBe(200);
    const orm = await openOrm(fleet.database.config);
    try {
      const applied = (await orm.getMigrator().getExecutedMigrations()).map((m) => m.name);
      expect(applied.length).toBeGreaterThan(0);
      expect(new Set(applied).size).toBe(applied.length);
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });

  it("creates split over both processes are all stored, and each is read at once on the other", async () => {
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => both(i)("POST", "/Users", newUser(`split-${i}@fleet.test`))));
    expect(serverErrors(created)).toEqual([]);
    expect(new Set(statuses(created))).toEqual(new Set([201]));
    // The process that did not create each user finds it on the very next request.
    const reads = await Promise.all(created.map((r, i) => both(i + 1)("GET", `/Users/${r.body.id}`)));
    expect(new Set(statuses(reads))).toEqual(new Set([200]));
    for (const via of [viaA, viaB]) expect((await via("GET", `/Users?filter=${encodeURIComponent('userName sw "split-"')}&count=0`)).body.totalResults).toBe(60);
  });

  it("the same userName raced on both processes: exactly one 201, the rest 409", async () => {
    const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => both(i)("POST", "/Users", newUser(i % 2 ? "Twin@fleet.test" : "twin@fleet.test"))));
    expect(serverErrors(raced)).toEqual([]);
    expect(statuses(raced)).toEqual([201, ...Array(9).fill(409)]);
  });

  it("membership changes from both processes at once, over SCIM and GraphQL: every member added", async () => {
    const scimGroup = (await viaA("POST", "/Groups", { displayName: "Everyone" })).body.id as string;
    // SCIM-managed groups take members from the IdP only; admins add to their own groups.
    const adminGroup = await fixtures(b).group(organizationId, "On call");
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => both(i)("POST", "/Users", newUser(`member-${i}@fleet.test`))));
    const addOverGraphql = (member: FleetMember, userId: string) =>
      member.gql(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: adminGroup, u: userId });
    const [patches, mutations] = await Promise.all([
      Promise.all(users.map((u, i) => both(i)("PATCH", `/Groups/${scimGroup}`, addMember(u.body.id)))),
      Promise.all(users.slice(0, 20).map((u, i) => addOverGraphql(i % 2 ? a : b, u.body.id))),
    ]);
    expect(serverErrors(patches)).toEqual([]);
    expect(new Set(statuses(patches))).toEqual(new Set([204]));
    expect(mutations.filter((m) => m.status !== 200 || m.errors)).toEqual([]);
    for (const via of [viaA, viaB]) {
      expect((await via("GET", `/Groups/${scimGroup}`)).body.members).toHaveLength(50);
      expect((await via("GET", `/Groups/${adminGroup}`)).body.members).toHaveLength(20);
    }
  });

  it("X into Y on one process and Y into X on the other: one nesting, one cycle refused", async () => {
    for (let round = 0; round < 4; round += 1) {
      const x = (await viaA("POST", "/Groups", { displayName: `X${round}` })).body.id as string;
      const y = (await viaB("POST", "/Groups", { displayName: `Y${round}` })).body.id as string;
      const [xInY, yInX] = await Promise.all([viaA("PATCH", `/Groups/${y}`, addMember(x)), viaB("PATCH", `/Groups/${x}`, addMember(y))]);
      expect([xInY.status, yInX.status].sort()).toEqual([204, 400]);
      expect((xInY.status === 400 ? xInY : yInX).body.detail).toMatch(/cycle/);
    }
  });

  it("group creates from both processes racing for the last places under maxGroups: the cap holds", async () => {
    const capped = await fixtures(a).organization("Capped");
    const cappedToken = (await b.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "okta"}) { secret } }`, { o: capped })).createScimToken.secret;
    await b.ok(`mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }`, { input: { id: capped, maxGroups: 2 } });
    const onA = scimClient(a, cappedToken);
    const onB = scimClient(b, cappedToken);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? onA : onB)("POST", "/Groups", { displayName: `Racer ${i}` })));
    expect(serverErrors(results)).toEqual([]);
    expect(statuses(results)).toEqual([201, 201, ...Array(6).fill(400)]);
    expect((await onA("GET", "/Groups?count=0")).body.totalResults).toBe(2);
  });

  it("GraphQL writes on one process are read on the other at once", async () => {
    const groupId = await fixtures(a).group(organizationId, "Renamed soon");
    await b.ok(`mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { id } }`, { input: { id: groupId, displayName: "Renamed" } });
    expect((await a.ok(`query($id: ID!) { group(id: $id) { displayName } }`, { id: groupId })).group.displayName).toBe("Renamed");
    expect((await viaA("GET", `/Groups/${groupId}`)).body.displayName).toBe("Renamed");
  });

  it("a SCIM token revoked on one process is refused by the other on its next request", async () => {
    const issued = (await a.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "entra"}) { secret token { id } } }`, { o: organizationId })).createScimToken;
    const onB = scimClient(b, issued.secret);
    expect((await onB("GET", "/Users?count=1")).status).toBe(200);
    await a.ok(`mutation($id: ID!) { revokeScimToken(id: $id) { revokedAt } }`, { id: issued.token.id });
    expect((await onB("GET", "/Users?count=1")).status).toBe(401);
  });

  it("an API key revoked on one process is refused by the other on its next request", async () => {
    const created = (await b.ok(`mutation { createApiKey(input: {name: "ci", role: READER}) { secret apiKey { id } } }`)).createApiKey;
    expect((await a.gql(`{ viewer { kind } }`, {}, created.secret)).status).toBe(200);
    await b.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.apiKey.id });
    expect((await a.gql(`{ viewer { kind } }`, {}, created.secret)).status).toBe(401);
  });

  it("SCIM turned off on one process stops the other's SCIM traffic on its next request", async () => {
    const org = await fixtures(a).organization("Switched off");
    const secret = (await a.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "okta"}) { secret } }`, { o: org })).createScimToken.secret;
    const onB = scimClient(b, secret);
    expect((await onB("GET", "/Users?count=1")).status).toBe(200);
    await a.ok(`mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: SOFT}) { id } }`, { o: org });
    expect((await onB("GET", "/Users?count=1")).status).toBe(401);
  });
});
