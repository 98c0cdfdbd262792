import { randomBytes } from "node:crypto";
import type { GraphQLSchema } from "graphql";
import { v7 as uuidv7 } from "uuid";
import { buildGraphSchema } from "../../src/graph/schema";
import { idTakingFields, operationFor, type IdTakingField, type Reach, type SlotValues } from "../helpers/graphql-operations";
import { q, scimClient, type ScimCall, type ScimResponse } from "../helpers/scim";
import { startTestServer, type GraphResponse, type TestServer } from "../helpers/server";
import { organizationSnapshot, storeViolations } from "../helpers/store-invariants";
import { fixtures } from "../helpers/graph-fixtures";
import { buildTenant, foreignTraces, type IdKind, type Tenant } from "../helpers/tenants";

/**
 * Tenant isolation as a matrix generated from the GraphQL schema and the SCIM route table: every
 * operation that takes an id is called, with an organization-scoped key of Alpha, on Bravo's ids.
 * Every such call must answer exactly as it would for an id that does not exist (NOT_FOUND, SCIM
 * 404), show nothing of Bravo, and leave Bravo's rows as they were. A new operation or route that
 * takes an id fails the suite until it is added to the matrix below.
 */

/** The kinds of id a slot takes: a tenant's (tenants.ts), and its webhook endpoint and a delivery to it. */
type MatrixIdKind = IdKind | "webhookEndpoint" | "webhookDelivery";

/** A tenant with a webhook endpoint and one delivery to it (withWebhookEndpoint below). */
interface MatrixTenant extends Tenant {
  ids: Record<MatrixIdKind, string>;
}

interface MatrixEntry {
  /** Which kind of object each id argument (or input field, by path) names. */
  ids: Record<string, MatrixIdKind>;
  /** Slots of which exactly one may be given (`bindRole`: one subject, one scope). */
  oneOf?: string[][];
  /** How a field of another type than Query is reached: a Query field taking that object's id. */
  reach?: { field: string; argument: string; kind: MatrixIdKind };
  /**
   * A one-of input (`whatIf`'s `change`): exactly one of its fields is given, so each field is
   * called on its own, as an operation of its own (callsOf), the other fields left out.
   */
  oneOfInput?: string;
  /** A query only an ADMIN key may make (`whatIf` runs the change it previews): a READER key is refused it whatever the ids. */
  needsAdmin?: boolean;
}

const MEMBER = { ids: { "input.groupId": "group", "input.userId": "user", "input.memberGroupId": "group" }, oneOf: [["input.userId", "input.memberGroupId"]] } satisfies MatrixEntry;

const GRAPHQL_MATRIX: Record<string, MatrixEntry> = {
  "Query.account": { ids: { id: "account" } },
  "Query.auditEvents": { ids: { organizationId: "organization", "filter.targetId": "user" } },
  "Query.can": { ids: { userId: "user", accountId: "account" } },
  "Query.canBatch": { ids: { "checks[].userId": "user", "checks[].accountId": "account" } },
  "Query.effectiveAccess": { ids: { userId: "user", accountId: "account" } },
  "Query.effectivePermissions": { ids: { userId: "user", accountId: "account" } },
  "Query.events": { ids: { organizationId: "organization" } },
  "Query.group": { ids: { id: "group" } },
  "Query.groups": { ids: { organizationId: "organization", "filter.externalId": "externalId" } },
  "Query.organization": { ids: { id: "organization" } },
  "Query.role": { ids: { id: "role" } },
  "Query.roleBindings": {
    ids: { organizationId: "organization", "filter.userId": "user", "filter.groupId": "group", "filter.roleId": "role", "filter.accountId": "account" },
  },
  "Query.roleMappings": { ids: { organizationId: "organization" } },
  "Query.roles": { ids: { organizationId: "organization" } },
  "Query.scimTokens": { ids: { organizationId: "organization" } },
  "Query.user": { ids: { id: "user" } },
  "Query.userByUserName": { ids: { organizationId: "organization" } },
  "Query.users": { ids: { organizationId: "organization", "filter.externalId": "externalId" } },
  "Query.webhookDeliveries": { ids: { endpointId: "webhookEndpoint" } },
  "Query.webhookEndpoint": { ids: { id: "webhookEndpoint" } },
  "Query.webhookEndpoints": { ids: { organizationId: "organization" } },
  "Query.whyNot": { ids: { userId: "user", accountId: "account" } },
  "Query.whoCan": { ids: { accountId: "account", roleId: "role" } },
  "Query.whereCan": { ids: { userId: "user" } },
  "Query.accessMap": { ids: { userId: "user" } },
  "Query.whatIf": {
    ids: {
      userId: "user",
      "change.addGroupMember.groupId": "group", "change.addGroupMember.userId": "user", "change.addGroupMember.memberGroupId": "group",
      "change.removeGroupMember.groupId": "group", "change.removeGroupMember.userId": "user", "change.removeGroupMember.memberGroupId": "group",
      "change.bindRole.roleId": "role", "change.bindRole.userId": "user", "change.bindRole.groupId": "group",
      "change.bindRole.organizationId": "organization", "change.bindRole.accountId": "account",
      "change.unbindRole.bindingId": "binding",
      "change.setRoleMapping.organizationId": "organization", "change.setRoleMapping.roleId": "role", "change.setRoleMapping.accountId": "account",
      "change.deleteRoleMapping.id": "mapping",
      "change.setDefaultRole.organizationId": "organization", "change.setDefaultRole.roleId": "role",
      "change.setUserActive.userId": "user",
      "change.setUserIdpRoleValues.userId": "user",
    },
    oneOf: [
      ["change.addGroupMember.userId", "change.addGroupMember.memberGroupId"], ["change.removeGroupMember.userId", "change.removeGroupMember.memberGroupId"],
      ["change.bindRole.userId", "change.bindRole.groupId"], ["change.bindRole.organizationId", "change.bindRole.accountId"],
    ],
    oneOfInput: "change",
    needsAdmin: true,
  },
  "User.effectiveAccess": { ids: { accountId: "account" }, reach: { field: "user", argument: "id", kind: "user" } },
  "Mutation.addGroupMember": MEMBER,
  "Mutation.removeGroupMember": MEMBER,
  "Mutation.bindRole": {
    ids: { "input.roleId": "role", "input.userId": "user", "input.groupId": "group", "input.organizationId": "organization", "input.accountId": "account" },
    oneOf: [["input.userId", "input.groupId"], ["input.organizationId", "input.accountId"]],
  },
  "Mutation.unbindRole": { ids: { id: "binding" } },
  "Mutation.setRoleMapping": { ids: { "input.organizationId": "organization", "input.roleId": "role", "input.accountId": "account" } },
  "Mutation.deleteRoleMapping": { ids: { id: "mapping" } },
  "Mutation.createAccount": { ids: { "input.organizationId": "organization" } },
  "Mutation.updateAccount": { ids: { "input.id": "account" } },
  "Mutation.deleteAccount": { ids: { id: "account" } },
  "Mutation.createUser": { ids: { "input.organizationId": "organization", "input.externalId": "externalId" } },
  "Mutation.updateUser": { ids: { "input.id": "user", "input.externalId": "externalId" } },
  "Mutation.deleteUser": { ids: { id: "user" } },
  "Mutation.linkUserToScim": { ids: { id: "user" } },
  "Mutation.linkGroupToScim": { ids: { id: "group" } },
  "Mutation.createGroup": { ids: { "input.organizationId": "organization", "input.externalId": "externalId" } },
  "Mutation.updateGroup": { ids: { "input.id": "group", "input.externalId": "externalId" } },
  "Mutation.deleteGroup": { ids: { id: "group" } },
  "Mutation.createRole": { ids: { "input.organizationId": "organization" } },
  "Mutation.updateRole": { ids: { "input.id": "role" } },
  "Mutation.deleteRole": { ids: { id: "role" } },
  "Mutation.updateOrganization": { ids: { "input.id": "organization", "input.defaultRoleId": "role" } },
  "Mutation.disableScim": { ids: { "input.organizationId": "organization" } },
  "Mutation.enableScim": { ids: { organizationId: "organization" } },
  "Mutation.createScimToken": { ids: { "input.organizationId": "organization" } },
  "Mutation.revokeScimToken": { ids: { id: "scimToken" } },
  "Mutation.createApiKey": { ids: { "input.organizationId": "organization" } },
  "Mutation.revokeApiKey": { ids: { id: "apiKey" } },
  "Mutation.createWebhookEndpoint": { ids: { "input.organizationId": "organization" } },
  "Mutation.updateWebhookEndpoint": { ids: { "input.id": "webhookEndpoint" } },
  "Mutation.deleteWebhookEndpoint": { ids: { id: "webhookEndpoint" } },
  "Mutation.rotateWebhookEndpointSecret": { ids: { "input.id": "webhookEndpoint" } },
  "Mutation.replayWebhookDelivery": { ids: { id: "webhookDelivery" } },
};

/**
 * Gives a tenant a webhook endpoint and a delivery to it, of an event after the endpoint was made
 * (its own update; it wants every type). Reading the feed sequences the events waiting, which
 * makes their deliveries on PostgreSQL (SQLite makes them with the event); it comes after the
 * tenant's last write, so no event of the tenant waits to be sequenced later and add a delivery
 * to its snapshot.
 */
async function withWebhookEndpoint(server: TestServer, tenant: Tenant): Promise<MatrixTenant> {
  const created = await server.ok(`mutation($o: ID!, $u: String!, $d: String) {
    createWebhookEndpoint(input: {organizationId: $o, url: $u, description: $d}) { endpoint { id } }
  }`, { o: tenant.organizationId, u: `https://hooks.example.com/${tenant.label}`, d: `${tenant.label} receiver` });
  const endpointId = created.createWebhookEndpoint.endpoint.id as string;
  await server.ok(`mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, description: "first delivery"}) { id } }`, { id: endpointId });
  await server.ok(`query($o: ID!) { events(organizationId: $o, first: 1) { totalCount } }`, { o: tenant.organizationId });
  const deliveries = await server.ok(`query($e: ID!) { webhookDeliveries(endpointId: $e, first: 1) { nodes { id eventId } } }`, { e: endpointId });
  const delivery = deliveries.webhookDeliveries.nodes[0] as { id: string; eventId: string };
  return {
    ...tenant,
    ids: { ...tenant.ids, webhookEndpoint: endpointId, webhookDelivery: delivery.id },
    allIds: [...tenant.allIds, endpointId, delivery.id, delivery.eventId],
  };
}

/** What each SCIM route is, so a new route cannot slip past the matrix. */
type ScimRouteCoverage =
  | { public: string }
  | { notImplemented: string }
  | { byId: "user" | "group" }
  | { list: "/Users" | "/Groups" | "" }
  | { create: "/Users" | "/Groups" };

const SCIM_ROUTE_MATRIX: Record<string, ScimRouteCoverage> = {
  "GET /scim/v2/ServiceProviderConfig": { public: "describes the server, no tenant data" },
  "HEAD /scim/v2/ServiceProviderConfig": { public: "describes the server, no tenant data" },
  "GET /scim/v2/Schemas": { public: "schema documents, no tenant data" },
  "HEAD /scim/v2/Schemas": { public: "schema documents, no tenant data" },
  "GET /scim/v2/Schemas/:id": { public: "the id is a schema URN, not a tenant's object" },
  "HEAD /scim/v2/Schemas/:id": { public: "the id is a schema URN, not a tenant's object" },
  "GET /scim/v2/ResourceTypes": { public: "resource type documents, no tenant data" },
  "HEAD /scim/v2/ResourceTypes": { public: "resource type documents, no tenant data" },
  "GET /scim/v2/ResourceTypes/:id": { public: "the id is a resource type name, not a tenant's object" },
  "HEAD /scim/v2/ResourceTypes/:id": { public: "the id is a resource type name, not a tenant's object" },
  "POST /scim/v2/Users": { create: "/Users" },
  "GET /scim/v2/Users": { list: "/Users" },
  "HEAD /scim/v2/Users": { list: "/Users" },
  "POST /scim/v2/Users/.search": { list: "/Users" },
  "GET /scim/v2/Users/:id": { byId: "user" },
  "HEAD /scim/v2/Users/:id": { byId: "user" },
  "PUT /scim/v2/Users/:id": { byId: "user" },
  "PATCH /scim/v2/Users/:id": { byId: "user" },
  "DELETE /scim/v2/Users/:id": { byId: "user" },
  "POST /scim/v2/Groups": { create: "/Groups" },
  "GET /scim/v2/Groups": { list: "/Groups" },
  "HEAD /scim/v2/Groups": { list: "/Groups" },
  "POST /scim/v2/Groups/.search": { list: "/Groups" },
  "GET /scim/v2/Groups/:id": { byId: "group" },
  "HEAD /scim/v2/Groups/:id": { byId: "group" },
  "PUT /scim/v2/Groups/:id": { byId: "group" },
  "PATCH /scim/v2/Groups/:id": { byId: "group" },
  "DELETE /scim/v2/Groups/:id": { byId: "group" },
  "POST /scim/v2/.search": { list: "" },
  // 501 for every caller (scim-edges.test.ts): nothing of any tenant is read or written.
  ...Object.fromEntries(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].map((method) => [`${method} /scim/v2/Me`, { notImplemented: "/Me is not supported" }])),
  "POST /scim/v2/Bulk": { notImplemented: "bulk operations are not supported" },
};

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/** Whose ids fill a slot: the other organization's, the caller's own, or ids that exist nowhere. */
type Owner = "foreign" | "own" | "unknown";

interface Variant {
  name: string;
  owners: Record<string, Owner>;
}

/**
 * The calls made for one operation. "every id foreign" (and its twin with unknown ids) fills every
 * slot, the first of each oneOf group. "only <slot> foreign" gives that slot the other
 * organization's id and every other id slot the caller's own, so a check that looks at the first
 * id only, or compares two ids with each other but not with the caller, is caught too.
 */
function variantsOf(entry: MatrixEntry): { all: [Variant, Variant]; single: Array<[Variant, Variant]> } {
  const slots = Object.keys(entry.ids);
  const groups = entry.oneOf ?? [];
  const losers = (chosen: string | null) =>
    new Set(groups.flatMap((group) => (chosen !== null && group.includes(chosen) ? group.filter((s) => s !== chosen) : group.slice(1))));
  const all = (owner: Owner): Variant => {
    const skip = losers(null);
    return { name: `every id ${owner}`, owners: Object.fromEntries(slots.filter((s) => !skip.has(s)).map((s) => [s, owner])) };
  };
  const objectSlots = [...(entry.reach ? ["(reach)"] : []), ...slots.filter((s) => entry.ids[s] !== "externalId")];
  const single = objectSlots.length < 2 ? [] : objectSlots.map((target): [Variant, Variant] => {
    const skip = losers(target);
    const only = (owner: Owner): Variant => ({
      name: `only ${target} ${owner}`,
      owners: Object.fromEntries(objectSlots.filter((s) => !skip.has(s)).map((s) => [s, s === target ? owner : "own"])),
    });
    return [only("foreign"), only("unknown")];
  });
  return { all: [all("foreign"), all("unknown")], single };
}

/** The operations an entry stands for: one per field of its one-of input, each with that field's slots and the others'; else the entry itself. */
function callsOf(entry: MatrixEntry): MatrixEntry[] {
  const input = entry.oneOfInput;
  if (!input) return [entry];
  const fieldOf = (slot: string) => (slot.startsWith(`${input}.`) ? slot.slice(input.length + 1).split(".")[0] : null);
  const fields = [...new Set(Object.keys(entry.ids).map(fieldOf).filter((field): field is string => field !== null))];
  return fields.map((field) => {
    const keep = (slot: string) => fieldOf(slot) === null || fieldOf(slot) === field;
    const ids = Object.fromEntries(Object.entries(entry.ids).filter(([slot]) => keep(slot)));
    const oneOf = (entry.oneOf ?? []).map((group) => group.filter(keep)).filter((group) => group.length > 0);
    return { ...entry, ids, oneOf, oneOfInput: undefined };
  });
}

interface Outcome {
  code: string | null;
  message: string | null;
  data: unknown;
}

describe("Tenant isolation, generated from the GraphQL schema and the SCIM route table", () => {
  let server: TestServer;
  let alpha: MatrixTenant;
  let bravo: MatrixTenant;
  let schema: GraphQLSchema;
  let bravoBefore: Record<string, unknown>;

  beforeAll(async () => {
    // Webhook endpoints need a key to seal their signing secrets; PostgreSQL has no key file to fall back on.
    server = await startTestServer({ config: { events: { secretKey: randomBytes(32).toString("base64") } } });
    alpha = await withWebhookEndpoint(server, await buildTenant(server, "alpha"));
    bravo = await withWebhookEndpoint(server, await buildTenant(server, "bravo"));
    schema = await buildGraphSchema();
    bravoBefore = await organizationSnapshot(server, bravo.organizationId);
  });
  afterAll(async () => server.close());

  async function expectBravoUntouched(): Promise<void> {
    expect(await organizationSnapshot(server, bravo.organizationId)).toEqual(bravoBefore);
    expect(await storeViolations(server)).toEqual([]);
  }

  /** Values for one variant's slots; unknown ids have the shape of real ones: fresh UUIDv7s, two for a delivery. */
  function slotValues(entry: MatrixEntry, variant: Variant): { values: SlotValues; reach?: Reach } {
    return slotValuesFor(bravo, entry, variant);
  }

  function slotValuesFor(foreignTenant: MatrixTenant, entry: MatrixEntry, variant: Variant): { values: SlotValues; reach?: Reach } {
    const unknownId = (kind: MatrixIdKind) => (kind === "externalId" ? `unknown-${uuidv7()}` : kind === "webhookDelivery" ? `${uuidv7()}:${uuidv7()}` : uuidv7());
    const value = (kind: MatrixIdKind, owner: Owner) => (owner === "foreign" ? foreignTenant.ids[kind] : owner === "own" ? alpha.ids[kind] : unknownId(kind));
    const values: SlotValues = {};
    for (const [slot, owner] of Object.entries(variant.owners)) if (slot !== "(reach)") values[slot] = value(entry.ids[slot], owner);
    const reach = entry.reach && { field: entry.reach.field, argument: entry.reach.argument, value: value(entry.reach.kind, variant.owners["(reach)"] ?? "foreign") };
    return { values, reach };
  }

  async function call(field: IdTakingField, entry: MatrixEntry, variant: Variant, key: string) {
    const { values, reach } = slotValues(entry, variant);
    const operation = operationFor(field, values, reach);
    const response = await server.gql(operation.document, operation.variables, key);
    return { operation, response, outcome: outcomeOf(response, operation.sent) };
  }

  function outcomeOf(response: GraphResponse, sent: string[]): Outcome {
    const error = response.errors?.[0];
    let message = error?.message ?? null;
    for (const value of sent) if (message) message = message.split(value).join("<id>");
    return { code: (error?.extensions?.code as string | undefined) ?? null, message, data: error ? null : response.data };
  }

  /** Runs the matrix with one key: every generated call is checked, and every failure is reported together. */
  async function runGraphMatrix(key: string, keyName: string, include: (field: IdTakingField) => boolean): Promise<string[]> {
    const failures: string[] = [];
    const calls = idTakingFields(schema).filter((f) => GRAPHQL_MATRIX[f.key] && include(f)).flatMap((field) => callsOf(GRAPHQL_MATRIX[field.key]).map((entry) => ({ field, entry })));
    for (const { field, entry } of calls) {
      const { all, single } = variantsOf(entry);
      const [foreign, unknown] = [await call(field, entry, all[0], key), await call(field, entry, all[1], key)];
      const where = `${field.key} [${all[0].name}] with ${keyName}`;
      if (foreign.outcome.code !== "NOT_FOUND") failures.push(`${where}: expected NOT_FOUND, got ${JSON.stringify(foreign.outcome)}`);
      else if (foreign.outcome.message !== unknown.outcome.message) {
        failures.push(`${where}: answers "${foreign.outcome.message}" but "${unknown.outcome.message}" for unknown ids`);
      }
      const traces = foreignTraces(JSON.stringify(foreign.response), bravo, foreign.operation.sent);
      if (traces.length > 0) failures.push(`${where}: the answer shows Bravo's ${traces.join(", ")}`);

      for (const [asForeign, asUnknown] of single) {
        const a = await call(field, entry, asForeign, key);
        const b = await call(field, entry, asUnknown, key);
        const at = `${field.key} [${asForeign.name}] with ${keyName}`;
        if (JSON.stringify(a.outcome) !== JSON.stringify(b.outcome)) {
          failures.push(`${at}: answers ${JSON.stringify(a.outcome)} but ${JSON.stringify(b.outcome)} for an unknown id`);
        }
        const leaked = foreignTraces(JSON.stringify(a.response), bravo, a.operation.sent);
        if (leaked.length > 0) failures.push(`${at}: the answer shows Bravo's ${leaked.join(", ")}`);
      }
    }
    return failures;
  }

  describe("GraphQL", () => {
    it("has every operation that takes an id in the isolation matrix", () => {
      const problems: string[] = [];
      // Subscriptions run over graphql-ws, not HTTP: subscriptions.test.ts checks that another
      // organization's id answers NOT_FOUND there.
      const found = idTakingFields(schema).filter((f) => f.owner !== "Subscription");
      for (const field of found) {
        const entry = GRAPHQL_MATRIX[field.key];
        if (!entry) {
          problems.push(`new operation ${field.key} takes an id: add it to the isolation matrix`);
          continue;
        }
        for (const slot of field.slots) {
          if (!(slot.path in entry.ids)) problems.push(`operation ${field.key} takes an id in ${slot.path}: add it to the isolation matrix`);
        }
        for (const slot of Object.keys(entry.ids)) {
          if (!field.slots.some((s) => s.path === slot)) problems.push(`the matrix names ${field.key} ${slot}, which the schema no longer has`);
        }
        if (field.owner !== "Query" && field.owner !== "Mutation" && !entry.reach) problems.push(`${field.key}: say how it is reached from Query`);
      }
      for (const key of Object.keys(GRAPHQL_MATRIX)) {
        if (!found.some((f) => f.key === key)) problems.push(`the matrix names ${key}, which the schema no longer has (or which takes no id)`);
      }
      expect(problems).toEqual([]);
    });

    it("answers an org-scoped ADMIN key's every query and mutation on another organization's ids like unknown ids, and changes nothing there", async () => {
      expect(await runGraphMatrix(alpha.adminKey, "Alpha's ADMIN key", () => true)).toEqual([]);
      await expectBravoUntouched();
    });

    it("answers an org-scoped READER key's every query on another organization's ids like unknown ids", async () => {
      expect(await runGraphMatrix(alpha.readerKey, "Alpha's READER key", (f) => f.owner !== "Mutation" && !GRAPHQL_MATRIX[f.key].needsAdmin)).toEqual([]);
      await expectBravoUntouched();
    });

    it("makes every generated operation work when aimed at ids the key may see, so each NOT_FOUND above is isolation, not a malformed call", async () => {
      const failures: string[] = [];
      const globalReader = await server.createKey("READER");
      const scratch = await withWebhookEndpoint(server, await buildTenant(server, "charlie"));
      // Mutations that remove what later ones aim at run last, in this order, on the scratch organization.
      const last = ["deleteWebhookEndpoint", "unbindRole", "deleteRoleMapping", "revokeApiKey", "revokeScimToken", "deleteRole", "deleteAccount", "deleteUser", "deleteGroup", "disableScim", "enableScim"];
      const rank = (field: IdTakingField) => last.indexOf(field.field.name);
      const fields = idTakingFields(schema).filter((f) => GRAPHQL_MATRIX[f.key]).sort((a, b) => rank(a) - rank(b));
      for (const { field, entry } of fields.flatMap((f) => callsOf(GRAPHQL_MATRIX[f.key]).map((e) => ({ field: f, entry: e })))) {
        const [everyForeign] = variantsOf(entry).all;
        if (field.owner !== "Mutation" && !entry.needsAdmin) {
          const { outcome } = await call(field, entry, everyForeign, globalReader);
          if (outcome.code !== null) failures.push(`${field.key} aimed at Bravo with a global READER key: ${JSON.stringify(outcome)}`);
          continue;
        }
        const { values } = slotValuesFor(scratch, entry, everyForeign);
        // A linked group is the IdP's: the admin mutations after it could no longer change the scratch group.
        if (field.field.name === "linkGroupToScim") values.id = await fixtures(server).group(scratch.organizationId, "charlie-linked");
        const operation = operationFor(field, values);
        const result = await server.gql(operation.document, operation.variables);
        if (result.errors) failures.push(`${field.key} aimed at a scratch organization with a global ADMIN key: ${JSON.stringify(result.errors)}`);
      }
      expect(failures).toEqual([]);
    });

    it("lists only the key's own organization and keys in the global lists", async () => {
      for (const [name, key] of [["ADMIN", alpha.adminKey], ["READER", alpha.readerKey]]) {
        const seen = await server.ok(`{
          organizations(first: 1000) { totalCount nodes { id name } }
          apiKeys(first: 1000) { totalCount nodes { id name organization { id } } }
          viewer { organizationId }
        }`, {}, key);
        expect({ key: name, organizations: seen.organizations.nodes.map((o: { id: string }) => o.id) }).toEqual({ key: name, organizations: [alpha.organizationId] });
        expect(seen.organizations.totalCount).toBe(1);
        const keyOrgs = new Set(seen.apiKeys.nodes.map((k: { organization: { id: string } | null }) => k.organization?.id ?? "global"));
        expect({ key: name, keyOrganizations: [...keyOrgs] }).toEqual({ key: name, keyOrganizations: [alpha.organizationId] });
        expect(seen.viewer.organizationId).toBe(alpha.organizationId);
        expect(foreignTraces(JSON.stringify(seen), bravo, [])).toEqual([]);
      }
    });

    it("never links two organizations, even for a global ADMIN key that sees both", async () => {
      const attempts: Array<[string, Record<string, unknown>]> = [
        [`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: alpha.ids.group, u: bravo.ids.user }],
        [`mutation($g: ID!, $m: ID!) { addGroupMember(input: {groupId: $g, memberGroupId: $m}) { id } }`, { g: alpha.ids.group, m: bravo.ids.group }],
        [`mutation($r: ID!, $u: ID!, $o: ID!) { bindRole(input: {roleId: $r, userId: $u, organizationId: $o}) { id } }`,
          { r: alpha.ids.role, u: bravo.ids.user, o: alpha.organizationId }],
        [`mutation($r: ID!, $g: ID!, $a: ID!) { bindRole(input: {roleId: $r, groupId: $g, accountId: $a}) { id } }`,
          { r: alpha.ids.role, g: alpha.ids.group, a: bravo.ids.account }],
        [`mutation($r: ID!, $u: ID!, $o: ID!) { bindRole(input: {roleId: $r, userId: $u, organizationId: $o}) { id } }`,
          { r: bravo.ids.role, u: alpha.ids.user, o: alpha.organizationId }],
        [`mutation($o: ID!, $r: ID!) { setRoleMapping(input: {organizationId: $o, idpValue: "alpha-x", roleId: $r}) { id } }`,
          { o: alpha.organizationId, r: bravo.ids.role }],
        [`mutation($o: ID!, $r: ID!, $a: ID!) { setRoleMapping(input: {organizationId: $o, idpValue: "alpha-y", roleId: $r, accountId: $a}) { id } }`,
          { o: alpha.organizationId, r: alpha.ids.role, a: bravo.ids.account }],
        [`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: alpha.organizationId, r: bravo.ids.role }],
      ];
      for (const [query, variables] of attempts) {
        const result = await server.gql(query, variables);
        expect({ query, variables, code: result.errors?.[0]?.extensions?.code }).toEqual({ query, variables, code: expect.stringMatching(/^(NOT_FOUND|BAD_USER_INPUT)$/) });
      }
      const can = await server.gql(`query($u: ID!, $a: ID!) { can(userId: $u, accountId: $a, permission: "alpha.deploy") }`, { u: alpha.ids.user, a: bravo.ids.account });
      expect(can.errors?.[0]?.extensions?.code).toMatch(/^(NOT_FOUND|BAD_USER_INPUT)$/);
      await expectBravoUntouched();
    });
  });

  describe("SCIM", () => {
    let scim: ScimCall;
    beforeAll(() => {
      scim = scimClient(server, alpha.scimToken);
    });

    /** `METHOD /path` for every route the built app has, read from fastify's route tree. */
    function registeredRoutes(): string[] {
      const routes: string[] = [];
      const segments: string[] = [];
      for (const line of server.built.app.printRoutes({ commonPrefix: false }).split("\n")) {
        const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
        if (!match) continue;
        const depth = match[1].length / 4;
        segments.length = depth;
        segments.push(match[2]);
        for (const method of (match[3] ?? "").split(",").map((m) => m.trim()).filter(Boolean)) routes.push(`${method} ${segments.join("")}`);
      }
      return routes;
    }

    it("has every SCIM route in the isolation matrix", () => {
      const routes = registeredRoutes().filter((r) => r.split(" ")[1].startsWith("/scim/"));
      expect(routes).toContain("GET /scim/v2/Users/:id");
      const problems = routes.filter((r) => !(r in SCIM_ROUTE_MATRIX))
        .map((r) => (r.includes("/:") ? `new SCIM route ${r} takes an id: add it to the isolation matrix` : `new SCIM route ${r}: add it to the isolation matrix`));
      const stale = Object.keys(SCIM_ROUTE_MATRIX).filter((r) => !routes.includes(r)).map((r) => `the matrix names ${r}, which the server no longer has`);
      expect([...problems, ...stale]).toEqual([]);
    });

    function bodyFor(method: string, kind: "user" | "group"): unknown {
      if (method === "PUT") {
        return kind === "user"
          ? { schemas: [USER_SCHEMA], userName: "alpha-put@alpha.test", displayName: "alpha put" }
          : { schemas: [GROUP_SCHEMA], displayName: "alpha-put", members: [] };
      }
      if (method === "PATCH") {
        return { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "alpha pwned" }, ...(kind === "group" ? [{ op: "remove", path: "members" }] : [{ op: "replace", path: "active", value: false }])] };
      }
      return undefined;
    }

    async function request(method: string, path: string, body: unknown): Promise<ScimResponse> {
      if (method !== "HEAD") return scim(method, path, body);
      const response = await fetch(`${server.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${alpha.scimToken}` } });
      return { status: response.status, headers: response.headers, body: null };
    }

    it("answers 404 to every SCIM route with an id for another organization's users and groups, exactly as for unknown ids, and changes nothing", async () => {
      const failures: string[] = [];
      const idRoutes = Object.entries(SCIM_ROUTE_MATRIX).filter((e): e is [string, { byId: "user" | "group" }] => "byId" in e[1]);
      for (const [route, { byId }] of idRoutes) {
        const [method, template] = route.split(" ");
        const targets = byId === "user" ? [bravo.ids.user, bravo.scimUserId] : [bravo.ids.group, bravo.scimGroupId, bravo.childGroupId];
        for (const id of targets) {
          const unknownId = uuidv7();
          const path = template.replace("/scim/v2", "").replace(":id", id);
          const foreign = await request(method, path, bodyFor(method, byId));
          const unknown = await request(method, template.replace("/scim/v2", "").replace(":id", unknownId), bodyFor(method, byId));
          const where = `${method} ${path} (Bravo's ${byId})`;
          if (foreign.status !== 404) failures.push(`${where}: expected 404, got ${foreign.status} ${JSON.stringify(foreign.body)}`);
          if (method !== "HEAD") {
            if (foreign.body?.schemas?.[0] !== SCIM_ERROR || foreign.body?.status !== "404") failures.push(`${where}: not a SCIM 404 error: ${JSON.stringify(foreign.body)}`);
            const detail = (r: ScimResponse, sent: string) => String(r.body?.detail ?? "").split(sent).join("<id>");
            if (detail(foreign, id) !== detail(unknown, unknownId)) failures.push(`${where}: says "${foreign.body?.detail}" but "${unknown.body?.detail}" for an unknown id`);
          }
          const traces = foreignTraces(JSON.stringify(foreign.body), bravo, [id]);
          if (traces.length > 0) failures.push(`${where}: the answer shows Bravo's ${traces.join(", ")}`);
        }
      }
      expect(failures).toEqual([]);
      await expectBravoUntouched();
    });

    /** Filters that name another organization's objects; each is also run with the caller's own values, which must match. */
    const FILTERS: Array<{ endpoint: "/Users" | "/Groups"; filter: (t: Tenant) => string }> = [
      { endpoint: "/Users", filter: (t) => `id eq "${t.ids.user}"` },
      { endpoint: "/Users", filter: (t) => `id eq "${t.scimUserId}" or id eq "${t.ids.user}"` },
      { endpoint: "/Users", filter: (t) => `userName eq "${t.userName}"` },
      { endpoint: "/Users", filter: (t) => `externalId eq "${t.ids.externalId}"` },
      { endpoint: "/Users", filter: (t) => `groups.value eq "${t.scimGroupId}"` },
      { endpoint: "/Users", filter: (t) => `groups[value eq "${t.ids.group}"]` },
      { endpoint: "/Users", filter: (t) => `groups[value eq "${t.ids.group}" and type eq "indirect"]` },
      { endpoint: "/Users", filter: (t) => `groups.display eq "${t.label}-idp-group"` },
      { endpoint: "/Users", filter: (t) => `emails.value co "${t.label}" and not (userName eq "nobody")` },
      { endpoint: "/Groups", filter: (t) => `id eq "${t.ids.group}"` },
      { endpoint: "/Groups", filter: (t) => `members.value eq "${t.scimUserId}"` },
      { endpoint: "/Groups", filter: (t) => `members[value eq "${t.ids.user}"]` },
      { endpoint: "/Groups", filter: (t) => `members.value eq "${t.childGroupId}"` },
      { endpoint: "/Groups", filter: (t) => `members[value eq "${t.childGroupId}" and type eq "Group"]` },
      { endpoint: "/Groups", filter: (t) => `displayName sw "${t.label}-" and members.display co "${t.label}"` },
      { endpoint: "/Groups", filter: (t) => `externalId eq "${t.label}-ext-group"` },
    ];

    it("finds nothing of another organization through filters naming its ids, on every list and search route", async () => {
      const failures: string[] = [];
      const listRoutes = Object.entries(SCIM_ROUTE_MATRIX).filter((e): e is [string, { list: "/Users" | "/Groups" | "" }] => "list" in e[1]);
      for (const { endpoint, filter } of FILTERS) {
        const own = await scim("GET", `${endpoint}?filter=${q(filter(alpha))}`);
        if (!(own.status === 200 && own.body.totalResults >= 1)) failures.push(`${endpoint} ${filter(alpha)} finds nothing of Alpha's own: ${JSON.stringify(own.body)}`);
        for (const [route, { list }] of listRoutes) {
          if (list !== "" && list !== endpoint) continue;
          const [method, template] = route.split(" ");
          const path = template.replace("/scim/v2", "");
          const response = method === "POST"
            ? await scim("POST", path, { schemas: [SEARCH_REQUEST], filter: filter(bravo) })
            : await request(method, `${path}?filter=${q(filter(bravo))}`, undefined);
          const where = `${route} filter=${filter(bravo)}`;
          if (method === "HEAD") {
            if (response.status >= 500) failures.push(`${where}: ${response.status}`);
            continue;
          }
          if (response.status !== 200 || response.body.totalResults !== 0 || (response.body.Resources ?? []).length !== 0) {
            failures.push(`${where}: expected no results, got ${response.status} ${JSON.stringify(response.body)}`);
          }
          const traces = foreignTraces(JSON.stringify(response.body), bravo, [filter(bravo)]);
          if (traces.length > 0) failures.push(`${where}: the answer shows Bravo's ${traces.join(", ")}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it("refuses another organization's users and groups as members of the caller's groups, with a 4xx, creating no membership", async () => {
      const group = alpha.scimGroupId;
      const membersOf = async () => (await scim("GET", `/Groups/${group}?attributes=members`)).body.members?.map((m: { value: string }) => m.value).sort() ?? [];
      const before = await membersOf();
      const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
      const attempts: Array<[string, string, unknown]> = [
        ["PATCH", `/Groups/${group}`, patch({ op: "add", path: "members", value: [{ value: bravo.ids.user }] })],
        ["PATCH", `/Groups/${group}`, patch({ op: "add", path: "members", value: [{ value: bravo.scimUserId, type: "User" }] })],
        ["PATCH", `/Groups/${group}`, patch({ op: "add", path: "members", value: [{ value: bravo.childGroupId, type: "Group" }] })],
        ["PATCH", `/Groups/${group}`, patch({ op: "add", path: "members", value: [{ value: alpha.ids.user }, { value: bravo.ids.user }] })],
        ["PATCH", `/Groups/${group}`, patch({ op: "replace", path: "members", value: [{ value: bravo.ids.user }] })],
        ["PATCH", `/Groups/${group}`, patch({ op: "replace", value: { members: [{ value: bravo.scimUserId }] } })],
        ["PATCH", `/Groups/${group}`, patch({ op: "add", value: { members: [{ value: bravo.ids.group }] } })],
        ["PATCH", `/Groups/${group}`, patch({ op: "remove", path: "members" }, { op: "add", path: "members", value: [{ value: bravo.ids.user }] })],
        ["PUT", `/Groups/${group}`, { schemas: [GROUP_SCHEMA], displayName: "alpha-idp-group", members: [{ value: alpha.scimUserId }, { value: bravo.ids.user }] }],
        ["POST", `/Groups`, { schemas: [GROUP_SCHEMA], displayName: "alpha-smuggler", members: [{ value: bravo.ids.user }] }],
        ["POST", `/Groups`, { schemas: [GROUP_SCHEMA], displayName: "alpha-smuggler-2", members: [{ value: bravo.scimGroupId }] }],
      ];
      const accepted: string[] = [];
      for (const [method, path, body] of attempts) {
        const response = await scim(method, path, body);
        if (![400, 404].includes(response.status) || response.body?.schemas?.[0] !== SCIM_ERROR) {
          accepted.push(`${method} ${path} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`);
        }
      }
      expect(accepted).toEqual([]);
      expect(await membersOf()).toEqual(before);
      const smugglers = await scim("GET", `/Groups?filter=${q('displayName sw "alpha-smuggler"')}`);
      expect(smugglers.body.totalResults).toBe(0);

      // Removing another organization's user from one's own group is a no-op, never a change over there.
      const removal = await scim("PATCH", `/Groups/${group}`, patch({ op: "remove", path: `members[value eq "${bravo.scimUserId}"]` }));
      expect(removal.status).toBeLessThan(500);
      const graph = await server.gql(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: alpha.ids.group, u: bravo.ids.user }, alpha.adminKey);
      expect(graph.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect(await membersOf()).toEqual(before);
      await expectBravoUntouched();
    });

    it("keeps a user created with another organization's group in `groups` out of that group", async () => {
      const created = await scim("POST", "/Users", {
        schemas: [USER_SCHEMA], userName: "alpha-joiner@alpha.test", groups: [{ value: bravo.scimGroupId }, { value: bravo.ids.group }],
      });
      expect(created.status).toBeLessThan(500);
      await expectBravoUntouched();
    });
  });
});
