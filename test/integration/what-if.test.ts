import { randomBytes } from "node:crypto";
import { permissionCovers } from "../../src/access/resolve";
import { buildAccessDirectory, checkKey, type AccessDirectory } from "../helpers/access-directory";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type GraphResponse, type TestServer } from "../helpers/server";
import { organizationSnapshot, sqlRows, storeViolations } from "../helpers/store-invariants";
import { startReceiver, type WebhookReceiver } from "../helpers/webhook-receiver";

/**
 * whatIf: the real command of a change, run in a transaction that is rolled back, answers whose
 * effective access the change would alter. Checked against what the change then really does: the
 * access.changed events its mutation emits, and `can` before and after.
 */

/** One account's change, as both the access.changed event and whatIf give it. */
interface AccountChange {
  accountId: string | null;
  gained: Array<{ id: string; key: string }>;
  lost: Array<{ id: string; key: string }>;
}
type Changes = Record<string, AccountChange[]>;

interface WhatIfPage {
  affectedUsers: number;
  changes: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: Array<{ cursor: string; node: { user: { id: string }; accounts: Array<{ account: { id: string } | null; gained: AccountChange["gained"]; lost: AccountChange["lost"] }> } }>;
  };
}

const WHAT_IF = `query($change: WhatIfChangeInput!, $userId: ID, $first: Int, $after: String) {
  whatIf(change: $change, userId: $userId, first: $first, after: $after) {
    affectedUsers
    changes {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { user { id } accounts { account { id } gained { id key } lost { id key } } } }
    }
  }
}`;

/** The mutations whose input a whatIf change takes as it is. */
const MUTATIONS: Record<string, string> = {
  addGroupMember: `mutation($input: GroupMemberInput!) { addGroupMember(input: $input) { id } }`,
  removeGroupMember: `mutation($input: GroupMemberInput!) { removeGroupMember(input: $input) { id } }`,
  bindRole: `mutation($input: BindRoleInput!) { bindRole(input: $input) { id } }`,
  setRoleMapping: `mutation($input: SetRoleMappingInput!) { setRoleMapping(input: $input) { id } }`,
};

/** The real mutation of a whatIf change: what an admin would run after the preview. */
function realMutation(change: Record<string, any>): { query: string; variables: Record<string, unknown> } {
  const [[kind, input]] = Object.entries(change);
  switch (kind) {
    case "addGroupMember":
    case "removeGroupMember":
    case "bindRole":
    case "setRoleMapping":
      return { query: MUTATIONS[kind], variables: { input } };
    case "unbindRole":
      return { query: `mutation($id: ID!) { unbindRole(id: $id) { id } }`, variables: { id: input.bindingId } };
    case "deleteRoleMapping":
      return { query: `mutation($id: ID!) { deleteRoleMapping(id: $id) { id } }`, variables: { id: input.id } };
    case "setDefaultRole":
      return { query: `mutation($id: ID!, $r: ID) { updateOrganization(input: {id: $id, defaultRoleId: $r}) { id } }`, variables: { id: input.organizationId, r: input.roleId } };
    case "setUserActive":
      return { query: `mutation($id: ID!, $a: Boolean!) { updateUser(input: {id: $id, active: $a}) { id } }`, variables: { id: input.userId, a: input.active } };
    case "setUserIdpRoleValues":
      return { query: `mutation($id: ID!, $v: [String!]!) { updateUser(input: {id: $id, idpRoleValues: $v}) { id } }`, variables: { id: input.userId, v: input.values } };
    default:
      throw new Error(`no mutation for ${kind}`);
  }
}

/** Fast dispatch to a receiver on 127.0.0.1: the commit signal a dry run sends really wakes the dispatcher. */
const DISPATCH = {
  dispatch: true, pollMs: 50, allowPrivateNetworks: true, allowHttp: true, retryBaseMs: 40, retryMaxMs: 200, retryWindowHours: 1,
  connectTimeoutMs: 1_000, responseTimeoutMs: 1_000, secretKey: randomBytes(32).toString("base64"),
};

describe("whatIf: a dry run of a real change", () => {
  let server: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ config: { events: DISPATCH } });
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  function whatIfPage(change: Record<string, unknown>, options: { userId?: string; first?: number; after?: string | null } = {}, key?: string): Promise<GraphResponse<{ whatIf: WhatIfPage }>> {
    return server.gql<{ whatIf: WhatIfPage }>(WHAT_IF, { change, userId: options.userId ?? null, first: options.first ?? 100, after: options.after ?? null }, key);
  }

  /** Every user's change whatIf predicts (all pages), and affectedUsers. */
  async function preview(change: Record<string, unknown>, userId?: string): Promise<{ affectedUsers: number; changes: Changes }> {
    const changes: Changes = {};
    let after: string | null = null;
    let affectedUsers: number;
    for (;;) {
      const response = await whatIfPage(change, { userId, after });
      if (response.errors?.length) throw new Error(`whatIf failed: ${JSON.stringify(response.errors)}`);
      const page = (response.data as { whatIf: WhatIfPage }).whatIf;
      affectedUsers = page.affectedUsers;
      expect(page.changes.totalCount).toBe(affectedUsers);
      for (const { node } of page.changes.edges) {
        changes[node.user.id] = node.accounts.map((a) => ({ accountId: a.account?.id ?? null, gained: a.gained, lost: a.lost }));
      }
      if (!page.changes.pageInfo.hasNextPage) break;
      after = page.changes.pageInfo.endCursor;
    }
    expect(Object.keys(changes)).toHaveLength(affectedUsers);
    return { affectedUsers, changes };
  }

  /**
   * A feed reader of access.changed events: each call returns, per user, the change since the
   * previous call (a change makes one event per user whose access it alters).
   */
  function accessEvents(organizationId: string) {
    let cursor: string | null = null;
    return async (): Promise<Changes> => {
      const events: Array<{ targetId: string; data: { accounts: AccountChange[] } }> = [];
      for (;;) {
        const page = (await server.ok(`query($o: ID!, $a: String) {
          events(organizationId: $o, after: $a, types: ["access.changed"], first: 1000) { edges { cursor node { targetId data } } pageInfo { hasNextPage endCursor } }
        }`, { o: organizationId, a: cursor })).events;
        events.push(...page.edges.map((e: { node: (typeof events)[number] }) => e.node));
        cursor = page.pageInfo.endCursor ?? cursor;
        if (!page.pageInfo.hasNextPage) break;
      }
      const changes: Changes = {};
      for (const event of events) changes[event.targetId] = event.data.accounts;
      if (Object.keys(changes).length !== events.length) throw new Error(`several access.changed events for one user: ${JSON.stringify(events)}`);
      return changes;
    };
  }

  /**
   * Everything a dry run could leave behind: the organization's rows (memberships, bindings,
   * mappings, users, its default role), its audit events, every event's feed position, the webhook
   * deliveries made.
   */
  async function traces(organizationId: string): Promise<Record<string, unknown>> {
    // Deliveries and endpoints move on as real events are delivered: the deliveries' ids are what a dry run could add.
    const { webhookDeliveries: _attempts, webhookEndpoints: _endpoints, ...rows } = await organizationSnapshot(server, organizationId);
    const count = async (sql: string) => Number((await sqlRows(server, sql))[0].n);
    return {
      ...rows,
      deliveries: (await sqlRows(server, `select id from webhook_delivery order by id`)).map((r) => r.id),
      events: await count(`select count(*) as n from audit_event`),
      unsequenced: await count(`select count(*) as n from audit_event where position is null`),
      lastPosition: Number((await sqlRows(server, `select last_position from event_sequence where name = 'events'`))[0].last_position),
    };
  }

  /** Lets the dispatcher a dry run woke finish its round. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  describe("every kind of change", () => {
    it("predicts, user by user, the access.changed events the real mutation then emits, and leaves no trace", async () => {
      const f = fixtures(server);
      const org = await f.organization("Preview");
      await server.ok(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
        { input: { organizationId: org, url: receiver.url } });
      const prod = await f.account(org, "prod");
      const staging = await f.account(org, "staging");
      const viewer = await f.role(org, "viewer", ["users.read"]);
      const deployer = await f.role(org, "deployer", ["deploy.*"]);
      const auditor = await f.role(org, "auditor", ["audit.read"]);
      const eng = await f.group(org, "Engineering");
      const sre = await f.group(org, "SRE");
      await f.nest(eng, sre);
      const ada = await f.user(org, "ada@preview.test");
      const bob = await f.user(org, "bob@preview.test");
      const cy = await f.user(org, "cy@preview.test", { idpRoleValues: ["AUDITOR"] });
      const dee = await f.user(org, "dee@preview.test");
      await f.addUser(sre, ada);
      await f.addUser(eng, bob);
      await f.bind({ roleId: viewer, groupId: eng, organizationId: org });
      const directDeployer = await f.bind({ roleId: deployer, userId: cy, accountId: prod });
      const auditorMapping = await f.map(org, "auditor", auditor);
      const users = [ada, bob, cy, dee];
      const checks = users.flatMap((userId) => [prod, staging].flatMap((accountId) =>
        ["users.read", "deploy.prod", "audit.read"].map((permission) => ({ userId, accountId, permission }))));
      const can = async () => (await server.ok(`query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`, { c: checks })).canBatch as boolean[];
      const next = accessEvents(org);
      await next().catch(() => undefined); // the setup's events, several per user

      const changes: Array<Record<string, unknown>> = [
        { addGroupMember: { groupId: sre, userId: dee } },
        { bindRole: { roleId: deployer, groupId: eng, accountId: staging } },
        { removeGroupMember: { groupId: eng, memberGroupId: sre } },
        { addGroupMember: { groupId: eng, memberGroupId: sre } },
        { unbindRole: { bindingId: directDeployer } },
        { setRoleMapping: { organizationId: org, idpValue: "Auditor", roleId: deployer, accountId: prod } },
        { setDefaultRole: { organizationId: org, roleId: auditor } },
        { setUserIdpRoleValues: { userId: dee, values: ["auditor"] } },
        { deleteRoleMapping: { id: auditorMapping } },
        { setUserActive: { userId: bob, active: false } },
        { setUserActive: { userId: bob, active: true } },
        { setDefaultRole: { organizationId: org, roleId: null } },
      ];
      for (const change of changes) {
        const before = await traces(org);
        const canBefore = await can();
        const predicted = await preview(change);
        await settle();
        expect({ change, traces: await traces(org) }).toEqual({ change, traces: before });
        expect(await can()).toEqual(canBefore);
        expect(await next()).toEqual({}); // the feed shows nothing of the dry run

        const { query, variables } = realMutation(change);
        await server.ok(query, variables);
        const emitted = await next();
        expect({ change, predicted: predicted.changes }).toEqual({ change, predicted: emitted });
        expect(predicted.affectedUsers).toBe(Object.keys(emitted).length);
        // Each change of this scenario alters someone's access: the comparison is never of two empty answers.
        expect({ change, affected: predicted.affectedUsers > 0 }).toEqual({ change, affected: true });
      }
      // Every webhook delivered carries an event that exists: none of a dry run's.
      await settle();
      const delivered = receiver.received.map((r) => r.headers["webhook-id"] as string);
      expect(delivered.length).toBeGreaterThan(0);
      const stored = new Set((await sqlRows(server, `select id from audit_event where organization_id = ?`, [org])).map((r) => r.id));
      expect(delivered.filter((id) => !stored.has(id))).toEqual([]);
      expect(await storeViolations(server)).toEqual([]);
    });

    it("refuses a change input that names no change, or two", async () => {
      const f = fixtures(server);
      const org = await f.organization("OneOf");
      const group = await f.group(org, "G");
      const user = await f.user(org, "u@oneof.test");
      const none = await whatIfPage({});
      expect(none.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      const two = await whatIfPage({ addGroupMember: { groupId: group, userId: user }, setUserActive: { userId: user, active: false } });
      expect(two.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(two.errors?.[0]?.message).toMatch(/exactly one change.*addGroupMember, setUserActive/);
    });
  });

  describe("nested groups", () => {
    it("lists exactly the members of a bound group at any depth, and no one for a change that alters no access", async () => {
      const f = fixtures(server);
      const org = await f.organization("Nested");
      const prod = await f.account(org, "prod");
      const reader = await f.role(org, "reader", ["docs.read"]);
      const [top, middle, leaf, side] = [await f.group(org, "Top"), await f.group(org, "Middle"), await f.group(org, "Leaf"), await f.group(org, "Side")];
      await f.nest(top, middle);
      await f.nest(middle, leaf);
      await f.nest(top, side);
      await f.nest(side, leaf); // a diamond: Leaf sits in Top twice
      const [t, m, l, s, outsider, inactive] = [
        await f.user(org, "t@n.test"), await f.user(org, "m@n.test"), await f.user(org, "l@n.test"),
        await f.user(org, "s@n.test"), await f.user(org, "out@n.test"), await f.user(org, "off@n.test", { active: false }),
      ];
      await f.addUser(top, t);
      await f.addUser(middle, m);
      await f.addUser(leaf, l);
      await f.addUser(side, s);
      await f.addUser(leaf, inactive);
      await f.addUser(side, l);

      const bind = { bindRole: { roleId: reader, groupId: top, accountId: prod } };
      const predicted = await preview(bind);
      const gained = [{ accountId: prod, gained: [{ id: reader, key: "reader" }], lost: [] }];
      expect(predicted).toEqual({ affectedUsers: 4, changes: { [t]: gained, [m]: gained, [l]: gained, [s]: gained } });
      expect(Object.keys(predicted.changes)).not.toContain(outsider);
      expect(Object.keys(predicted.changes)).not.toContain(inactive);

      // Only one user's change, when asked.
      expect(await preview(bind, l)).toEqual({ affectedUsers: 1, changes: { [l]: gained } });
      expect(await preview(bind, outsider)).toEqual({ affectedUsers: 0, changes: {} });

      await f.bind({ roleId: reader, groupId: top, organizationId: org });
      // Everyone below Top already holds the role everywhere; an unbound group's members change nothing.
      expect(await preview({ bindRole: { roleId: reader, groupId: middle, accountId: prod } })).toEqual({ affectedUsers: 0, changes: {} });
      const unbound = await f.group(org, "Unbound");
      expect(await preview({ addGroupMember: { groupId: unbound, userId: outsider } })).toEqual({ affectedUsers: 0, changes: {} });
      expect(await preview({ addGroupMember: { groupId: leaf, userId: t } })).toEqual({ affectedUsers: 0, changes: {} });
    });
  });

  describe("paging", () => {
    it("pages over 30 affected users by user id, with stable cursors and totals", async () => {
      const f = fixtures(server);
      const org = await f.organization("Paging");
      const role = await f.role(org, "member", ["wiki.read"]);
      const group = await f.group(org, "Everyone");
      const userIds: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const id = await f.user(org, `user-${i}@paging.test`);
        await f.addUser(group, id);
        userIds.push(id);
      }
      const change = { bindRole: { roleId: role, groupId: group, organizationId: org } };
      const seen: string[] = [];
      const cursors: Array<string | null> = [null];
      for (;;) {
        const after = cursors[cursors.length - 1];
        const { whatIf } = (await whatIfPage(change, { first: 7, after })).data as { whatIf: WhatIfPage };
        expect(whatIf.affectedUsers).toBe(30);
        expect(whatIf.changes.totalCount).toBe(30);
        expect(whatIf.changes.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(whatIf.changes.edges.length).toBe(Math.min(7, 30 - seen.length));
        seen.push(...whatIf.changes.edges.map((e) => e.node.user.id));
        expect(whatIf.changes.pageInfo.hasNextPage).toBe(seen.length < 30);
        if (!whatIf.changes.pageInfo.hasNextPage) break;
        cursors.push(whatIf.changes.pageInfo.endCursor);
      }
      expect(seen).toEqual([...userIds].sort());
      // The same cursor gives the same page again.
      const again = (await whatIfPage(change, { first: 7, after: cursors[2] })).data as { whatIf: WhatIfPage };
      expect(again.whatIf.changes.edges.map((e) => e.node.user.id)).toEqual(seen.slice(14, 21));
      const none = (await whatIfPage(change, { first: 0 })).data as { whatIf: WhatIfPage };
      expect(none.whatIf.changes.edges).toEqual([]);
      expect(none.whatIf.affectedUsers).toBe(30);
      const tooMany = await whatIfPage(change, { first: 5000 });
      expect(tooMany.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    });
  });

  describe("errors", () => {
    /** The error a mutation gives and the one whatIf gives for the same change. */
    async function bothErrors(change: Record<string, unknown>, key?: string) {
      const preview = await whatIfPage(change, {}, key);
      const { query, variables } = realMutation(change);
      const mutation = await server.gql(query, variables, key);
      const of = (r: GraphResponse<unknown>) => ({ code: r.errors?.[0]?.extensions?.code ?? null, message: r.errors?.[0]?.message ?? null });
      return { preview: of(preview), mutation: of(mutation) };
    }

    it("answers with the mutation's own error: a cycle, unknown ids, a duplicate binding, another organization's ids, a READER key", async () => {
      const f = fixtures(server);
      const org = await f.organization("Errors");
      const other = await f.organization("Elsewhere");
      const [a, b] = [await f.group(org, "A"), await f.group(org, "B")];
      await f.nest(a, b);
      const role = await f.role(org, "r", ["x.read"]);
      const user = await f.user(org, "u@errors.test");
      const prod = await f.account(org, "prod");
      const theirs = await f.group(other, "Theirs");
      await f.bind({ roleId: role, userId: user, organizationId: org });
      const otherAdmin = await server.createKey("ADMIN", other);
      const reader = await server.createKey("READER");
      const orgReader = await server.createKey("READER", org);
      await settle();
      const before = await traces(org);

      const cycle = await bothErrors({ addGroupMember: { groupId: b, memberGroupId: a } });
      expect(cycle.preview).toEqual(cycle.mutation);
      expect(cycle.preview.code).toBe("BAD_USER_INPUT");
      expect(cycle.preview.message).toMatch(/cycle/);

      const unknown = await bothErrors({ addGroupMember: { groupId: a, userId: "0196f1c2-0000-7000-8000-000000000000" } });
      expect(unknown.preview).toEqual(unknown.mutation);
      expect(unknown.preview.code).toBe("NOT_FOUND");

      const duplicate = await bothErrors({ bindRole: { roleId: role, userId: user, organizationId: org } });
      expect(duplicate.preview).toEqual(duplicate.mutation);
      expect(duplicate.preview.code).toBe("CONFLICT");

      const foreign = await bothErrors({ bindRole: { roleId: role, userId: user, accountId: prod } }, otherAdmin);
      expect(foreign.preview).toEqual(foreign.mutation);
      expect(foreign.preview.code).toBe("NOT_FOUND");
      // Only another organization's user's change, asked by a key of this one: as if it did not exist.
      const foreignUser = await whatIfPage({ addGroupMember: { groupId: theirs, userId: user } }, { userId: user }, otherAdmin);
      expect(foreignUser.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

      const change = { setUserActive: { userId: user, active: false } };
      for (const key of [reader, orgReader]) {
        const refused = await bothErrors(change, key);
        expect(refused.preview.code).toBe("FORBIDDEN");
        expect(refused.mutation.code).toBe("FORBIDDEN");
      }

      // Every attempt failed, previews and mutations alike: nothing was written.
      await settle();
      expect(await traces(org)).toEqual(before);
    });
  });

  describe("agreement with can on a generated directory", () => {
    /** A random change of a generated directory, as a whatIf input. */
    async function randomChange(dir: AccessDirectory, kind: number, rnd: () => number): Promise<Record<string, unknown>> {
      const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
      const org = dir.organizationId;
      const scope = () => (rnd() < 0.5 ? { organizationId: org } : { accountId: pick(dir.accountIds) });
      switch (kind % 10) {
        case 0:
          return { addGroupMember: { groupId: pick(dir.groupIds), userId: pick(dir.userIds) } };
        case 1: {
          // Groups nest only into groups made before them: never a cycle.
          const child = 1 + Math.floor(rnd() * (dir.groupIds.length - 1));
          return { addGroupMember: { groupId: dir.groupIds[Math.floor(rnd() * child)], memberGroupId: dir.groupIds[child] } };
        }
        case 2: {
          for (const userId of [...dir.userIds].sort(() => rnd() - 0.5)) {
            const { user } = await server.ok(`query($id: ID!) { user(id: $id) { groups { id } } }`, { id: userId });
            if (user.groups.length > 0) return { removeGroupMember: { groupId: pick(user.groups as Array<{ id: string }>).id, userId } };
          }
          throw new Error("no user is in a group");
        }
        case 3:
          return { bindRole: { roleId: pick(dir.roles).id, ...(rnd() < 0.5 ? { userId: pick(dir.userIds) } : { groupId: pick(dir.groupIds) }), ...scope() } };
        case 4: {
          const { roleBindings } = await server.ok(`query($o: ID!) { roleBindings(organizationId: $o, first: 1000) { nodes { id } } }`, { o: org });
          return { unbindRole: { bindingId: pick(roleBindings.nodes as Array<{ id: string }>).id } };
        }
        case 5:
          return { setRoleMapping: { organizationId: org, idpValue: pick(["ADMIN", "Engineer", "viewer", "Éditeur", "auditor"]), roleId: pick(dir.roles).id,
            ...(rnd() < 0.5 ? {} : { accountId: pick(dir.accountIds) }) } };
        case 6: {
          const { roleMappings } = await server.ok(`query($o: ID!) { roleMappings(organizationId: $o, first: 1000) { nodes { id } } }`, { o: org });
          return { deleteRoleMapping: { id: pick(roleMappings.nodes as Array<{ id: string }>).id } };
        }
        case 7:
          return { setDefaultRole: { organizationId: org, roleId: rnd() < 0.25 ? null : pick(dir.roles).id } };
        case 8: {
          const userId = pick(dir.userIds);
          const { user } = await server.ok(`query($id: ID!) { user(id: $id) { active } }`, { id: userId });
          return { setUserActive: { userId, active: !user.active } };
        }
        default:
          return { setUserIdpRoleValues: { userId: pick(dir.userIds), values: rnd() < 0.2 ? [] : [pick(["admin", "ENGINEER", "e\u0301diteur", "Viewer", "none"])] } };
      }
    }

    /** Each user's roles on each account, by id: effectiveAccess for every pair. */
    async function rolesOf(dir: AccessDirectory): Promise<Map<string, Set<string>>> {
      const pairs = dir.userIds.flatMap((userId) => dir.accountIds.map((accountId) => ({ userId, accountId })));
      const roles = new Map<string, Set<string>>();
      for (let i = 0; i < pairs.length; i += 25) {
        const chunk = pairs.slice(i, i + 25);
        const fields = chunk.map((p, j) => `p${j}: effectiveAccess(userId: "${p.userId}", accountId: "${p.accountId}") { roles { id } }`).join("\n");
        const data = await server.ok(`{ ${fields} }`);
        chunk.forEach((p, j) => roles.set(`${p.userId}|${p.accountId}`, new Set((data[`p${j}`].roles as Array<{ id: string }>).map((r) => r.id))));
      }
      return roles;
    }

    it("predicts exactly how `can` changes for every user, account and permission", async () => {
      const seed = 20_251_130 + (process.env.IDGRAPH_TEST_DATABASE === "postgres" ? 7 : 0);
      const dir = await buildAccessDirectory(server, seed, { accounts: 3, groups: 8, users: 18 });
      const permissionsOf = new Map(dir.roles.map((r) => [r.id, r.permissions]));
      const covers = (roleIds: Set<string>, permission: string) =>
        [...roleIds].some((id) => (permissionsOf.get(id) ?? []).some((granted) => permissionCovers(granted, permission)));
      let state = seed;
      const rnd = () => {
        state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
        return state / 2_147_483_648;
      };
      let affectedSomeone = 0;
      for (let step = 0; step < 20; step += 1) {
        const change = await randomChange(dir, step, rnd);
        const canBefore = await dir.allChecks();
        const rolesBefore = await rolesOf(dir);
        const response = await whatIfPage(change, { first: 100 }); // more than the directory's users: one page
        const { query, variables } = realMutation(change);
        const real = await server.gql(query, variables);
        if (response.errors?.length) {
          // A change the directory refuses (a binding that exists) is refused alike, and changes nothing.
          expect({ change, code: real.errors?.[0]?.extensions?.code }).toEqual({ change, code: response.errors[0].extensions?.code });
          continue;
        }
        expect({ change, errors: real.errors }).toEqual({ change, errors: undefined });
        const predicted: Changes = {};
        expect((response.data as { whatIf: WhatIfPage }).whatIf.changes.pageInfo.hasNextPage).toBe(false);
        for (const { node } of (response.data as { whatIf: WhatIfPage }).whatIf.changes.edges) {
          predicted[node.user.id] = node.accounts.map((a) => ({ accountId: a.account?.id ?? null, gained: a.gained, lost: a.lost }));
        }
        if (Object.keys(predicted).length > 0) affectedSomeone += 1;
        const canAfter = await dir.allChecks();
        const rolesAfter = await rolesOf(dir);
        const failures: string[] = [];
        for (const userId of dir.userIds) {
          for (const accountId of dir.accountIds) {
            const accounts = predicted[userId] ?? [];
            const entry = accounts.find((a) => a.accountId === accountId) ?? accounts.find((a) => a.accountId === null);
            const was = rolesBefore.get(`${userId}|${accountId}`) as Set<string>;
            const expected = new Set(was);
            for (const role of entry?.lost ?? []) expected.delete(role.id);
            for (const role of entry?.gained ?? []) expected.add(role.id);
            const is = rolesAfter.get(`${userId}|${accountId}`) as Set<string>;
            if ([...expected].sort().join() !== [...is].sort().join()) failures.push(`${userId} on ${accountId}: roles ${[...is]} but predicted ${[...expected]}`);
            for (const permission of dir.permissions) {
              const key = checkKey(userId, accountId, permission);
              const wanted = entry ? covers(expected, permission) : canBefore.get(key);
              if (canAfter.get(key) !== wanted) failures.push(`${key}: can ${canAfter.get(key)} after, predicted ${wanted} (before ${canBefore.get(key)})`);
            }
          }
        }
        expect({ seed, step, change, failures }).toEqual({ seed, step, change, failures: [] });
      }
      expect(affectedSomeone).toBeGreaterThan(5);
    });
  });
});
