import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { permissionCovers } from "../../src/access/resolve";
import { buildAccessDirectory, checkKey } from "../helpers/access-directory";
import { ensureBuilt } from "../helpers/build";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * GET /exports/access-review and `idgraph access-review`: the organization's whole effective
 * access, one record per active user × account × role, streamed a page of users at a time.
 */

interface JsonGrant {
  kind: string;
  scope: string | null;
  bindingId: string | null;
  groupIds: string[];
  mappingId: string | null;
  idpValue: string | null;
}

interface JsonRecord {
  userId: string;
  userName: string;
  accountId: string;
  accountName: string;
  roleId: string;
  roleKey: string;
  roleName: string;
  grants: JsonGrant[];
}

/** Users read per page by the test server: small, so a few users cross several pages. */
const PAGE = 4;

const direct = (bindingId: string, scope: string): JsonGrant => ({ kind: "DIRECT", scope, bindingId, groupIds: [], mappingId: null, idpValue: null });
const group = (bindingId: string, scope: string, groupIds: string[]): JsonGrant => ({ kind: "GROUP", scope, bindingId, groupIds, mappingId: null, idpValue: null });
const mapped = (mappingId: string, idpValue: string, scope: string): JsonGrant => ({ kind: "MAPPING", scope, bindingId: null, groupIds: [], mappingId, idpValue });
const byDefault: JsonGrant = { kind: "DEFAULT", scope: null, bindingId: null, groupIds: [], mappingId: null, idpValue: null };

function jsonLines(body: string): JsonRecord[] {
  return body.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as JsonRecord);
}

describe("the access review export", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer({ accessReviewPageSize: PAGE });
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  const exportUrl = (organizationId: string, format?: string) =>
    `${server.url}/exports/access-review?organizationId=${encodeURIComponent(organizationId)}${format ? `&format=${format}` : ""}`;
  const download = (organizationId: string, format?: string, key: string | null = server.adminKey) =>
    fetch(exportUrl(organizationId, format), { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  const exported = async (organizationId: string, format?: string): Promise<string> => {
    const response = await download(organizationId, format);
    expect(response.status).toBe(200);
    return response.text();
  };

  /**
   * Every way a role is granted, on three accounts (sandbox is named by no fact: it gets only the
   * organization-wide roles). Ada is in SRE, inside Platform, inside Engineering.
   */
  async function handBuiltDirectory() {
    const ids: Record<string, string> = {};
    ids.org = await f.organization(`Acme review ${Date.now()}`);
    ids.prod = await f.account(ids.org, 'Production, "EU"');
    ids.staging = await f.account(ids.org, "staging");
    ids.sandbox = await f.account(ids.org, "sandbox");
    for (const key of ["viewer", "deployer", "payments", "auditor", "member", "ops"]) ids[key] = await f.role(ids.org, key, [`${key}.use`]);
    ids.ada = await f.user(ids.org, "ada@acme.test", { idpRoleValues: ["Finance-Approver"] });
    ids.bob = await f.user(ids.org, "bob@acme.test");
    ids.carl = await f.user(ids.org, "carl@acme.test", { active: false });
    ids.dana = await f.user(ids.org, "dana@acme.test", { idpRoleValues: ["OPS"] });
    ids.sre = await f.group(ids.org, "SRE");
    ids.platform = await f.group(ids.org, "Platform");
    ids.engineering = await f.group(ids.org, "Engineering");
    await f.addUser(ids.sre, ids.ada);
    await f.nest(ids.platform, ids.sre);
    await f.nest(ids.engineering, ids.platform);
    ids.viewerOnEngineering = await f.bind({ roleId: ids.viewer, groupId: ids.engineering, organizationId: ids.org });
    ids.deployerOnPlatform = await f.bind({ roleId: ids.deployer, groupId: ids.platform, accountId: ids.prod });
    ids.adaAuditor = await f.bind({ roleId: ids.auditor, userId: ids.ada, accountId: ids.staging });
    ids.adaPayments = await f.bind({ roleId: ids.payments, userId: ids.ada, accountId: ids.prod });
    // Carl is inactive: this binding grants him nothing.
    await f.bind({ roleId: ids.auditor, userId: ids.carl, organizationId: ids.org });
    ids.danaViewer = await f.bind({ roleId: ids.viewer, userId: ids.dana, organizationId: ids.org });
    ids.financeMapping = await f.map(ids.org, "finance-approver", ids.payments);
    ids.opsMapping = await f.map(ids.org, "ops", ids.ops, ids.staging);
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: ids.org, r: ids.member });
    return ids;
  }

  it("lists every grant kind, exactly, as JSON lines and as CSV", async () => {
    const ids = await handBuiltDirectory();
    const accountName: Record<string, string> = { [ids.prod]: 'Production, "EU"', [ids.staging]: "staging", [ids.sandbox]: "sandbox" };
    const userName: Record<string, string> = { [ids.ada]: "ada@acme.test", [ids.bob]: "bob@acme.test", [ids.dana]: "dana@acme.test" };
    const record = (user: string, account: string, roleKey: string, grants: JsonGrant[]): JsonRecord => ({
      userId: ids[user], userName: userName[ids[user]], accountId: ids[account], accountName: accountName[ids[account]],
      roleId: ids[roleKey], roleKey, roleName: roleKey, grants,
    });
    const engineeringChain = [ids.sre, ids.platform, ids.engineering];
    const expected = [
      record("ada", "prod", "deployer", [group(ids.deployerOnPlatform, "ACCOUNT", [ids.sre, ids.platform])]),
      // Granted twice: a direct binding on production, and the mapping everywhere. No default role: a mapping matched.
      record("ada", "prod", "payments", [direct(ids.adaPayments, "ACCOUNT"), mapped(ids.financeMapping, "finance-approver", "ORGANIZATION")]),
      record("ada", "prod", "viewer", [group(ids.viewerOnEngineering, "ORGANIZATION", engineeringChain)]),
      record("ada", "staging", "auditor", [direct(ids.adaAuditor, "ACCOUNT")]),
      record("ada", "staging", "payments", [mapped(ids.financeMapping, "finance-approver", "ORGANIZATION")]),
      record("ada", "staging", "viewer", [group(ids.viewerOnEngineering, "ORGANIZATION", engineeringChain)]),
      record("ada", "sandbox", "payments", [mapped(ids.financeMapping, "finance-approver", "ORGANIZATION")]),
      record("ada", "sandbox", "viewer", [group(ids.viewerOnEngineering, "ORGANIZATION", engineeringChain)]),
      record("bob", "prod", "member", [byDefault]),
      record("bob", "staging", "member", [byDefault]),
      record("bob", "sandbox", "member", [byDefault]),
      record("dana", "prod", "member", [byDefault]),
      record("dana", "prod", "viewer", [direct(ids.danaViewer, "ORGANIZATION")]),
      // The mapping scoped to staging matches "OPS" there, and keeps the default role off there only.
      record("dana", "staging", "ops", [mapped(ids.opsMapping, "ops", "ACCOUNT")]),
      record("dana", "staging", "viewer", [direct(ids.danaViewer, "ORGANIZATION")]),
      record("dana", "sandbox", "member", [byDefault]),
      record("dana", "sandbox", "viewer", [direct(ids.danaViewer, "ORGANIZATION")]),
    ].sort((a, b) => compare(a.userId, b.userId) || compare(a.accountId, b.accountId) || compare(a.roleKey, b.roleKey));

    const jsonResponse = await download(ids.org);
    expect(jsonResponse.status).toBe(200);
    expect(jsonResponse.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const today = new Date().toISOString().slice(0, 10);
    expect(jsonResponse.headers.get("content-disposition")).toBe(`attachment; filename="access-review-${ids.org}-${today}.jsonl"`);
    const body = await jsonResponse.text();
    expect(body).toBe(expected.map((r) => `${JSON.stringify(r)}\n`).join(""));

    const csvResponse = await download(ids.org, "csv");
    expect(csvResponse.status).toBe(200);
    expect(csvResponse.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csvResponse.headers.get("content-disposition")).toBe(`attachment; filename="access-review-${ids.org}-${today}.csv"`);
    const groupNames: Record<string, string> = { [ids.sre]: "SRE", [ids.platform]: "Platform", [ids.engineering]: "Engineering" };
    const provenance = (g: JsonGrant): string => {
      const scope = `[${(g.scope ?? "").toLowerCase()}]`;
      if (g.kind === "DIRECT") return `DIRECT via binding ${g.bindingId} ${scope}`;
      if (g.kind === "GROUP") return `GROUP ${g.groupIds.map((id) => groupNames[id]).join(">")} via binding ${g.bindingId} ${scope}`;
      if (g.kind === "MAPPING") return `MAPPING "${g.idpValue}" (${g.mappingId}) ${scope}`;
      return "DEFAULT role";
    };
    const quoted = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
    const csv = [
      "user_id,user_name,account_id,account_name,role_id,role_key,role_name,grant_kinds,provenance\r\n",
      ...expected.map((r) => `${[
        r.userId, r.userName, r.accountId, r.accountName, r.roleId, r.roleKey, r.roleName,
        [...new Set(r.grants.map((g) => g.kind))].join("|"), r.grants.map(provenance).join("; "),
      ].map(quoted).join(",")}\r\n`),
    ].join("");
    expect(await csvResponse.text()).toBe(csv);
    // The account name with a comma and quotes is one quoted field.
    expect(csv).toContain(`,"Production, ""EU""",`);
  });

  it.each([7_001, 7_004])("agrees with effectiveAccess and can on a generated directory (seed %i)", async (seed) => {
    const directory = await buildAccessDirectory(server, seed, { accounts: 4, groups: 10, users: 24 });
    const records = jsonLines(await exported(directory.organizationId));
    expect(records.length).toBeGreaterThan(0);

    // Every record is one user × account × role, once, in order.
    const keys = records.map((r) => `${r.userId}|${r.accountId}|${r.roleKey}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);

    const fromExport = new Map<string, JsonRecord[]>();
    for (const r of records) fromExport.set(`${r.userId}|${r.accountId}`, [...(fromExport.get(`${r.userId}|${r.accountId}`) ?? []), r]);
    const roles = new Map(directory.roles.map((r) => [r.id, r]));
    const answers = await directory.allChecks();

    for (const userId of directory.userIds) {
      for (const accountId of directory.accountIds) {
        const { effectiveAccess } = await server.ok<{ effectiveAccess: { roles: Array<{ id: string; key: string; grants: JsonGrant[] }> } }>(
          `query($u: ID!, $a: ID!) { effectiveAccess(userId: $u, accountId: $a) { roles { id key grants { kind scope bindingId groupIds mappingId idpValue } } } }`,
          { u: userId, a: accountId });
        const exportedHere = fromExport.get(`${userId}|${accountId}`) ?? [];
        const pair = `user ${userId} on account ${accountId} (seed ${directory.seed})`;
        expect({ pair, roles: exportedHere.map((r) => ({ id: r.roleId, key: r.roleKey, grants: sortGrants(r.grants) })) })
          .toEqual({ pair, roles: effectiveAccess.roles.map((r) => ({ id: r.id, key: r.key, grants: sortGrants(r.grants) })) });
        if (directory.inactiveUserIds.includes(userId)) expect(exportedHere).toEqual([]);

        const granted = exportedHere.flatMap((r) => roles.get(r.roleId)?.permissions ?? []);
        for (const permission of directory.permissions) {
          const covered = granted.some((g) => permissionCovers(g, permission));
          expect({ pair, permission, covered }).toEqual({ pair, permission, covered: answers.get(checkKey(userId, accountId, permission)) });
        }
      }
    }
  });

  it("answers 401 without a key, 404 to another organization's key, 200 to the organization's reader key, 400 to a bad format", async () => {
    const org = await f.organization(`keys ${Date.now()}`);
    await f.account(org, "main");
    const role = await f.role(org, "member", ["x.read"]);
    await f.user(org, "someone@keys.test");
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: org, r: role });
    const other = await f.organization(`other ${Date.now()}`);

    const none = await download(org, undefined, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ statusCode: 401, error: "Unauthorized" });

    const wrongKey = await download(org, undefined, "idgk_00000000-0000-0000-0000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(wrongKey.status).toBe(401);

    const foreign = await download(org, undefined, await server.createKey("ADMIN", other));
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const foreignBody = await foreign.text();
    expect(JSON.parse(foreignBody)).toEqual({ statusCode: 404, error: "Not Found", message: `organization ${org} not found` });
    expect(foreignBody).not.toContain("someone@keys.test");
    // An unknown organization answers the same.
    const unknown = await download("00000000-0000-7000-8000-000000000000");
    expect(unknown.status).toBe(404);

    const reader = await download(org, "csv", await server.createKey("READER", org));
    expect(reader.status).toBe(200);
    expect(await reader.text()).toContain("someone@keys.test");
    expect((await download(org, undefined, await server.createKey("READER"))).status).toBe(200);

    const badFormat = await download(org, "xml");
    expect(badFormat.status).toBe(400);
    expect(await badFormat.json()).toEqual({ statusCode: 400, error: "Bad Request", message: "format must be one of jsonl, csv" });
    const noOrganization = await fetch(`${server.url}/exports/access-review`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(noOrganization.status).toBe(400);
  });

  /** An organization with `users` users who all hold the default role, `inactive` of them inactive, on two accounts. */
  async function defaultRoleDirectory(label: string, users: number, inactive = 0) {
    const org = await f.organization(`${label} ${Date.now()}`);
    const accounts = [await f.account(org, "one"), await f.account(org, "two")];
    const role = await f.role(org, "member", ["x.read"]);
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: org, r: role });
    const active: string[] = [];
    for (let i = 0; i < users; i += 1) {
      const id = await f.user(org, `user-${i}@${label}.test`, { active: i >= inactive });
      if (i >= inactive) active.push(id);
    }
    return { org, accounts, active };
  }

  it.each([
    ["more users than a page, the last page partly full", 11, 2],
    ["users filling pages exactly", 3 * PAGE, 0],
    ["inactive users at a page boundary", 2 * PAGE + 1, PAGE],
  ])("pages across chunk boundaries without duplicates or gaps: %s", async (_label, users, inactive) => {
    const { org, accounts, active } = await defaultRoleDirectory(`paging-${users}-${inactive}`, users, inactive);
    const records = jsonLines(await exported(org));
    expect(records.map((r) => `${r.userId}|${r.accountId}`)).toEqual([...active].sort().flatMap((userId) => accounts.sort().map((a) => `${userId}|${a}`)));
  });

  it("writes the same bytes from the CLI as over HTTP", async () => {
    ensureBuilt();
    const ids = await handBuiltDirectory();
    const dir = mkdtempSync(join(tmpdir(), "idgraph-review-"));
    try {
      const env = { ...process.env, DATABASE_URL: server.database.url, LOG_LEVEL: "warn" };
      const cli = (...args: string[]) => execFileSync(process.execPath, ["dist/src/cli/main.js", "access-review", "--organization", ids.org, ...args], { env, encoding: "utf8" });
      expect(cli()).toBe(await exported(ids.org));
      cli("--format", "csv", "--output", join(dir, "review.csv"));
      expect(readFileSync(join(dir, "review.csv"), "utf8")).toBe(await exported(ids.org, "csv"));
      expect(() => execFileSync(process.execPath, ["dist/src/cli/main.js", "access-review", "--organization", ids.org, "--format", "xml"], { env, stdio: "pipe" }))
        .toThrow(/--format must be one of jsonl, csv/);
      expect(() => execFileSync(process.execPath, ["dist/src/cli/main.js", "access-review", "--organization", "00000000-0000-7000-8000-000000000000"], { env, stdio: "pipe" }))
        .toThrow(/organization 00000000-0000-7000-8000-000000000000 not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("costs the same statements per page of users, whatever the organization's size", async () => {
    const small = await buildAccessDirectory(server, 7_002, { accounts: 3, groups: 6, users: 2 * PAGE - 1 });
    const bigger = await buildAccessDirectory(server, 7_003, { accounts: 3, groups: 6, users: 5 * PAGE - 1 });
    // Authentication refreshes a key's last use at most once a minute: a first request takes that write.
    await exported(small.organizationId);
    const statementsOf = (organizationId: string) => server.captureQueries(() => exported(organizationId));
    const smallStatements = await statementsOf(small.organizationId);
    const biggerStatements = await statementsOf(bigger.organizationId);
    // A last page that is not full ends the export: 2 pages, then 5.
    const perPage = (biggerStatements.length - smallStatements.length) / (5 - 2);
    expect(perPage).toBe(3);
    expect(smallStatements.length - 2 * perPage).toBe(biggerStatements.length - 5 * perPage);
  });

  it("stops reading the directory when the client goes away", async () => {
    // Enough records (users × accounts × roles) that the file cannot sit whole in socket buffers:
    // 80 users each mapped to 4 roles on 160 accounts with long names, some 30 MB.
    const org = await f.organization(`disconnect ${Date.now()}`);
    for (let i = 0; i < 160; i += 1) await f.account(org, `account-${i}-${"x".repeat(300)}`);
    const values = ["a", "b", "c", "d"];
    for (const value of values) await f.map(org, value, await f.role(org, `role-${value}`, []));
    for (let i = 0; i < 80; i += 1) await f.user(org, `member-${i}@disconnect.test`, { idpRoleValues: values });
    const full = await server.countQueries(() => exported(org));

    const partial = await server.countQueries(async () => {
      // Node's own client, one connection of its own: it reads the first piece, then hangs up.
      await new Promise<void>((resolve, reject) => {
        const request = get(exportUrl(org), { agent: false, headers: { authorization: `Bearer ${server.adminKey}` } }, (response) => {
          expect(response.statusCode).toBe(200);
          response.once("data", () => {
            request.destroy();
            resolve();
          });
        });
        request.on("error", (error) => (request.destroyed ? undefined : reject(error)));
      });
      // Time for the server to see the close, and for a page in flight to finish.
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    expect(partial).toBeLessThan(full / 2);
  });
});

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortGrants(grants: JsonGrant[]): JsonGrant[] {
  const key = (g: JsonGrant) => JSON.stringify([g.kind, g.scope, g.bindingId, g.mappingId, g.groupIds, g.idpValue]);
  return [...grants].sort((a, b) => compare(key(a), key(b)));
}
