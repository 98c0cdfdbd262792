import { randomBytes } from "node:crypto";
import { getIntrospectionQuery } from "graphql";
import { CLI_ACTOR } from "../../src/domain/actor";
import { recordAudit } from "../../src/domain/audit";
import { runCommand } from "../../src/domain/command";
import { Invalid } from "../../src/domain/errors";
import { AuditEvent, Group, GroupMembership, Organization, User } from "../../src/store/entities";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

/** Each mutation of the schema with the variables to call it and the audit event type it must leave. */
type MutationCase = { query: string; variables: () => Record<string, unknown>; event: string };

describe("audit events and atomic commands", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  // A change's own event; the access.changed events it may cause besides are tested in access-changed.test.ts.
  const ownEvents = { type: { $ne: "access.changed" } };
  const auditCount = async () => server.built.orm.em.fork().count(AuditEvent, ownEvents);
  const latestEvent = async () => (await server.built.orm.em.fork().find(AuditEvent, ownEvents, { orderBy: { id: "desc" }, limit: 1 }))[0];

  beforeAll(async () => {
    // Webhook endpoints need a key to seal their signing secrets; PostgreSQL has no key file to fall back on.
    server = await startTestServer({ config: { events: { secretKey: randomBytes(32).toString("base64") } } });
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  /** A new organization with an account, a role, a user (ada@acme.test) and a group, for one test alone. */
  async function acme(): Promise<Record<string, string>> {
    const org = await f.organization("Acme");
    return {
      org,
      account: await f.account(org, "prod"),
      role: await f.role(org, "viewer", ["dashboard.read"]),
      user: await f.user(org, "ada@acme.test"),
      group: await f.group(org, "SRE"),
    };
  }

  /**
   * A delivery to the endpoint, of an event after it was made (one of its own updates; it wants
   * every type). Reading the feed sequences the events waiting, which makes their deliveries on
   * PostgreSQL; SQLite makes them with the event.
   */
  async function deliveryTo(organizationId: string, endpointId: string): Promise<string> {
    await server.ok(`mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, description: "first delivery"}) { id } }`, { id: endpointId });
    await server.ok(`query($o: ID!) { events(organizationId: $o, first: 1) { totalCount } }`, { o: organizationId });
    const data = await server.ok(`query($e: ID!) { webhookDeliveries(endpointId: $e, first: 1) { nodes { id } } }`, { e: endpointId });
    return data.webhookDeliveries.nodes[0].id;
  }

  /** The `data` of events whose subject is gone once they are written. */
  const DOCUMENTED_DATA: Record<string, string[]> = {
    "role_binding.delete": ["roleId", "subject", "accountId"],
    "role_mapping.delete": ["idpValue", "roleId", "accountId"],
    "api_key.revoke": ["name", "role"],
    "scim_token.revoke": ["name", "expiresAt"],
    "webhook_endpoint.delete": ["url", "eventTypes", "enabled"],
  };

  /** The cases aimed at one organization's ids; those that delete or revoke use ids the earlier cases created. */
  const casesFor = (ids: Record<string, string>): Record<string, MutationCase> => ({
    createOrganization: { query: `mutation { createOrganization(input: {name: "Initech"}) { id } }`, variables: () => ({}), event: "organization.create" },
    updateOrganization: { query: `mutation($id: ID!) { updateOrganization(input: {id: $id, scimAutoActivate: false}) { id } }`, variables: () => ({ id: ids.org }), event: "organization.update" },
    createAccount: { query: `mutation($o: ID!) { createAccount(input: {organizationId: $o, name: "staging"}) { id } }`, variables: () => ({ o: ids.org }), event: "account.create" },
    updateAccount: { query: `mutation($id: ID!) { updateAccount(input: {id: $id, name: "production"}) { id } }`, variables: () => ({ id: ids.account }), event: "account.update" },
    createRole: { query: `mutation($o: ID!) { createRole(input: {organizationId: $o, key: "ops", name: "Ops", permissions: ["ops.run"]}) { id } }`, variables: () => ({ o: ids.org }), event: "role.create" },
    updateRole: { query: `mutation($id: ID!) { updateRole(input: {id: $id, permissions: ["dashboard.read", "dashboard.export"]}) { id } }`, variables: () => ({ id: ids.role }), event: "role.update" },
    createUser: { query: `mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "bob@acme.test"}) { id } }`, variables: () => ({ o: ids.org }), event: "user.create" },
    updateUser: { query: `mutation($id: ID!) { updateUser(input: {id: $id, title: "Engineer"}) { id } }`, variables: () => ({ id: ids.user }), event: "user.update" },
    createGroup: { query: `mutation($o: ID!) { createGroup(input: {organizationId: $o, displayName: "Finance"}) { id } }`, variables: () => ({ o: ids.org }), event: "group.create" },
    updateGroup: { query: `mutation($id: ID!) { updateGroup(input: {id: $id, displayName: "Site Reliability"}) { id } }`, variables: () => ({ id: ids.group }), event: "group.update" },
    addGroupMember: { query: `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, variables: () => ({ g: ids.group, u: ids.user }), event: "group.member_add" },
    removeGroupMember: { query: `mutation($g: ID!, $u: ID!) { removeGroupMember(input: {groupId: $g, userId: $u}) { id } }`, variables: () => ({ g: ids.group, u: ids.user }), event: "group.member_remove" },
    bindRole: { query: `mutation($r: ID!, $u: ID!, $o: ID!) { bindRole(input: {roleId: $r, userId: $u, organizationId: $o}) { id } }`, variables: () => ({ r: ids.role, u: ids.user, o: ids.org }), event: "role_binding.create" },
    unbindRole: { query: `mutation($id: ID!) { unbindRole(id: $id) { id } }`, variables: () => ({ id: ids.binding }), event: "role_binding.delete" },
    setRoleMapping: { query: `mutation($o: ID!, $r: ID!) { setRoleMapping(input: {organizationId: $o, idpValue: "Viewers", roleId: $r}) { id } }`, variables: () => ({ o: ids.org, r: ids.role }), event: "role_mapping.set" },
    deleteRoleMapping: { query: `mutation($id: ID!) { deleteRoleMapping(id: $id) { id } }`, variables: () => ({ id: ids.mapping }), event: "role_mapping.delete" },
    createScimToken: { query: `mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "okta"}) { token { id } } }`, variables: () => ({ o: ids.org }), event: "scim_token.create" },
    revokeScimToken: { query: `mutation($id: ID!) { revokeScimToken(id: $id) { id } }`, variables: () => ({ id: ids.token }), event: "scim_token.revoke" },
    createApiKey: { query: `mutation { createApiKey(input: {name: "app", role: READER}) { apiKey { id } } }`, variables: () => ({}), event: "api_key.create" },
    revokeApiKey: { query: `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, variables: () => ({ id: ids.apiKey }), event: "api_key.revoke" },
    createWebhookEndpoint: {
      query: `mutation($o: ID!) { createWebhookEndpoint(input: {organizationId: $o, url: "https://hooks.example.com/acme"}) { endpoint { id } } }`,
      variables: () => ({ o: ids.org }), event: "webhook_endpoint.create",
    },
    updateWebhookEndpoint: {
      query: `mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, description: "Acme audit log"}) { id } }`,
      variables: () => ({ id: ids.endpoint }), event: "webhook_endpoint.update",
    },
    rotateWebhookEndpointSecret: {
      query: `mutation($id: ID!) { rotateWebhookEndpointSecret(input: {id: $id, overlapSeconds: 60}) { endpoint { id } } }`,
      variables: () => ({ id: ids.endpoint }), event: "webhook_endpoint.secret_rotate",
    },
    replayWebhookDelivery: { query: `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }`, variables: () => ({ id: ids.delivery }), event: "webhook_delivery.replay" },
    disableScim: { query: `mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: SOFT}) { scimEnabled } }`, variables: () => ({ o: ids.org }), event: "organization.update" },
    enableScim: { query: `mutation($o: ID!) { enableScim(organizationId: $o) { scimEnabled } }`, variables: () => ({ o: ids.org }), event: "organization.update" },
    deleteRole: { query: `mutation($id: ID!) { deleteRole(id: $id) { id } }`, variables: () => ({ id: ids.opsRole }), event: "role.delete" },
    deleteGroup: { query: `mutation($id: ID!) { deleteGroup(id: $id) { id } }`, variables: () => ({ id: ids.financeGroup }), event: "group.delete" },
    deleteUser: { query: `mutation($id: ID!) { deleteUser(id: $id) { id } }`, variables: () => ({ id: ids.bob }), event: "user.delete" },
    deleteAccount: { query: `mutation($id: ID!) { deleteAccount(id: $id) { id } }`, variables: () => ({ id: ids.stagingAccount }), event: "account.delete" },
    deleteWebhookEndpoint: { query: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, variables: () => ({ id: ids.endpoint }), event: "webhook_endpoint.delete" },
    linkUserToScim: { query: `mutation($id: ID!) { linkUserToScim(id: $id) { id } }`, variables: () => ({ id: ids.user }), event: "user.link_scim" },
    // Last: once linked, the group's name and members are the IdP's, and no admin case may change them.
    linkGroupToScim: { query: `mutation($id: ID!) { linkGroupToScim(id: $id) { id } }`, variables: () => ({ id: ids.group }), event: "group.link_scim" },
  });

  it("has a case for every mutation in the schema", async () => {
    const introspection = await server.ok(getIntrospectionQuery());
    const mutationType = introspection.__schema.types.find((t: { name: string }) => t.name === "Mutation");
    expect(mutationType.fields.map((field: { name: string }) => field.name).sort()).toEqual(Object.keys(casesFor({})).sort());
  });

  it("writes one audit event per mutation, in the same request, naming actor and target", async () => {
    const ids = await acme();
    for (const [name, c] of Object.entries(casesFor(ids))) {
      const before = await auditCount();
      const data = await server.ok(c.query, c.variables());
      // Remember ids created here for the cases that delete or revoke them.
      const created = data[name];
      if (name === "bindRole") ids.binding = created.id;
      if (name === "setRoleMapping") ids.mapping = created.id;
      if (name === "createScimToken") ids.token = created.token.id;
      if (name === "createApiKey") ids.apiKey = created.apiKey.id;
      if (name === "createRole") ids.opsRole = created.id;
      if (name === "createGroup") ids.financeGroup = created.id;
      if (name === "createUser") ids.bob = created.id;
      if (name === "createAccount") ids.stagingAccount = created.id;
      if (name === "createWebhookEndpoint") ids.endpoint = created.endpoint.id;
      expect({ name, added: (await auditCount()) - before }).toEqual({ name, added: 1 });
      const event = await latestEvent();
      expect({ name, type: event.type, actorType: event.actorType }).toEqual({ name, type: c.event, actorType: "api_key" });
      expect(event.actorId).not.toBeNull();
      // Deletes and revocations say what went, as the README's event table lists (the row is gone).
      const documented = DOCUMENTED_DATA[c.event];
      if (documented) expect({ name, keys: Object.keys(event.data ?? {}).sort() }).toEqual({ name, keys: [...documented].sort() });
      // The endpoint's first delivery, for replayWebhookDelivery (made by a read, after the checks of this mutation).
      if (name === "createWebhookEndpoint") ids.delivery = await deliveryTo(ids.org, ids.endpoint);
    }
  });

  it("lists audit events over GraphQL for the organization", async () => {
    const ids = await acme();
    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, title: "Engineer"}) { id } }`, { id: ids.user });
    const data = await server.ok(`query($o: ID!, $t: ID!) { auditEvents(organizationId: $o, filter: {targetId: $t}) { totalCount nodes { type targetType data } } }`, { o: ids.org, t: ids.user });
    expect(data.auditEvents.nodes.map((e: { type: string }) => e.type)).toEqual(["user.create", "user.update"]);
    expect(data.auditEvents.nodes[1].data).toEqual({ title: "Engineer" });
    expect(data.auditEvents.totalCount).toBe(2);
  });

  it("never records a secret in the audit log", async () => {
    const ids = await acme();
    const created = await server.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "entra"}) { secret } }`, { o: ids.org });
    const secretPart = created.createScimToken.secret.split(".")[1];
    const events = await server.built.orm.em.fork().find(AuditEvent, {});
    expect(JSON.stringify(events)).not.toContain(secretPart);
  });

  it("writes nothing, not even the audit event, when a command fails at the database", async () => {
    const ids = await acme();
    const before = await auditCount();
    const duplicate = await server.gql(`mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "ADA@acme.test"}) { id } }`, { o: ids.org });
    expect(duplicate.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(duplicate.errors?.[0].message).toBe("userName is already taken in this organization");
    expect(await auditCount()).toBe(before);
  });

  it("rolls back every write of a command that throws part-way", async () => {
    const em = server.built.orm.em.fork();
    const attempt = runCommand({ em, actor: CLI_ACTOR }, async (tx) => {
      const org = Object.assign(new Organization(), { name: "Half-written" });
      tx.persist(org);
      recordAudit(tx, CLI_ACTOR, { type: "organization.create", organizationId: org.id, targetType: "organization", targetId: org.id });
      await tx.flush();
      throw new Error("boom after the flush");
    });
    await expect(attempt).rejects.toThrow("boom after the flush");
    expect(await server.built.orm.em.fork().count(Organization, { name: "Half-written" })).toBe(0);
  });

  it("answers a write that refers to a row deleted meanwhile as invalid input, not as a uniqueness conflict", async () => {
    // What a command meets when another transaction deletes a member between its check and its
    // insert (PostgreSQL's foreign key refuses the row): the same answer as a member gone before.
    const ids = await acme();
    const em = server.built.orm.em.fork();
    const attempt = runCommand({ em, actor: CLI_ACTOR }, async (tx) => {
      const group = await tx.findOneOrFail(Group, { id: ids.group });
      tx.persist(Object.assign(new GroupMembership(), { group, memberUser: tx.getReference(User, "0196f0c0-0000-7000-8000-000000000000") }));
      recordAudit(tx, CLI_ACTOR, { type: "group.member_add", organizationId: ids.org, targetType: "group", targetId: ids.group });
    });
    await expect(attempt).rejects.toBeInstanceOf(Invalid);
    await expect(attempt).rejects.toThrow("deleted meanwhile");
  });

  it("refuses a cycle of nested groups and leaves the groups as they were", async () => {
    const ids = await acme();
    const a = await f.group(ids.org, "A");
    const b = await f.group(ids.org, "B");
    const c = await f.group(ids.org, "C");
    await f.nest(a, b);
    await f.nest(b, c);
    const before = await auditCount();
    for (const [group, member] of [[c, a], [a, a]]) {
      const result = await server.gql(`mutation($g: ID!, $m: ID!) { addGroupMember(input: {groupId: $g, memberGroupId: $m}) { id } }`, { g: group, m: member });
      expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0].message).toMatch(/cycle/);
    }
    expect(await auditCount()).toBe(before);
    const data = await server.ok(`query($id: ID!) { group(id: $id) { memberCount version } }`, { id: c });
    expect(data.group).toEqual({ memberCount: 0, version: 1 });
  });

  it("keeps userName and group displayName unique per organization, case-insensitively", async () => {
    await acme();
    const other = await f.organization("Other");
    await expect(f.user(other, "ada@acme.test")).resolves.toBeDefined();
    const user = await server.gql(`mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "Ada@Acme.Test"}) { id } }`, { o: other });
    expect(user.errors?.[0].extensions?.code).toBe("CONFLICT");
    await f.group(other, "Admins");
    const group = await server.gql(`mutation($o: ID!) { createGroup(input: {organizationId: $o, displayName: "ADMINS"}) { id } }`, { o: other });
    expect(group.errors?.[0].extensions?.code).toBe("CONFLICT");
  });

  it("allows several users with one externalId (Entra ID fills it from mailNickname)", async () => {
    const ids = await acme();
    await f.user(ids.org, "x1@acme.test", { externalId: "jdoe" });
    await f.user(ids.org, "x2@acme.test", { externalId: "jdoe" });
    const data = await server.ok(`query($o: ID!) { users(organizationId: $o, filter: {externalId: "jdoe"}) { totalCount } }`, { o: ids.org });
    expect(data.users.totalCount).toBe(2);
  });

  it("refuses over GraphQL the attributes an identity provider owns", async () => {
    const ids = await acme();
    const em = server.built.orm.em.fork();
    await em.nativeUpdate(User, { id: ids.user }, { managedBy: "SCIM" });
    const result = await server.gql(`mutation($id: ID!) { updateUser(input: {id: $id, displayName: "Renamed", title: "CEO"}) { id } }`, { id: ids.user });
    expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0].message).toBe("displayName, title of a SCIM-managed user are owned by the identity provider; change them there");
  });
});
