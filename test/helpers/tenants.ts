import { fixtures } from "./graph-fixtures";
import { issueScimToken, scimClient } from "./scim";
import type { TestServer } from "./server";

/** The kinds of object an id can name; `externalId` is the IdP's text, not one of ours. */
export type IdKind =
  | "organization" | "account" | "user" | "group" | "role" | "binding" | "mapping" | "scimToken" | "apiKey" | "externalId";

/**
 * One organization with something of every kind: two accounts, an admin-managed user in a group
 * nested in another group, a SCIM-managed user and group (created over SCIM), roles bound to a
 * user and to a group, role mappings for the organization and for one account, a default role,
 * a SCIM token and organization-scoped ADMIN and READER API keys.
 */
export interface Tenant {
  label: string;
  organizationId: string;
  /** One id of each kind, the one an operation aiming at this tenant uses. */
  ids: Record<IdKind, string>;
  /** Every id this tenant owns. */
  allIds: string[];
  userName: string;
  scimUserId: string;
  scimGroupId: string;
  childGroupId: string;
  adminKey: string;
  readerKey: string;
  scimToken: string;
}

/**
 * Builds a tenant whose every name and text value starts with `label` ("alpha", "bravo"), so that
 * a response can be searched for anything of this tenant's.
 */
export async function buildTenant(server: TestServer, label: string): Promise<Tenant> {
  const f = fixtures(server);
  const organizationId = await f.organization(`${label}-org`);
  const accountId = await f.account(organizationId, `${label}-production`);
  const otherAccountId = await f.account(organizationId, `${label}-staging`);
  const userName = `${label}-ada@${label}.test`;
  const externalId = `${label}-ext-ada`;
  const userId = await f.user(organizationId, userName, { displayName: `${label} Ada`, externalId, idpRoleValues: [`${label}-approver`] });
  const otherUserId = await f.user(organizationId, `${label}-bob@${label}.test`, { displayName: `${label} Bob` });
  const groupId = await f.group(organizationId, `${label}-engineering`);
  const childGroupId = await f.group(organizationId, `${label}-platform`);
  await f.nest(groupId, childGroupId);
  await f.addUser(childGroupId, userId);
  await f.addUser(groupId, otherUserId);
  const roleId = await f.role(organizationId, `${label}-deployer`, [`${label}.deploy`]);
  const otherRoleId = await f.role(organizationId, `${label}-viewer`, [`${label}.read`]);
  const bindingId = await f.bind({ roleId, userId, accountId });
  await f.bind({ roleId: otherRoleId, groupId, organizationId });
  const mappingId = await f.map(organizationId, `${label}-approver`, roleId);
  await f.map(organizationId, `${label}-auditor`, otherRoleId, otherAccountId);
  await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: organizationId, r: otherRoleId });

  const scimToken = await issueScimToken(server, organizationId, `${label}-okta`);
  const tokens = await server.ok(`query($o: ID!) { scimTokens(organizationId: $o) { nodes { id } } }`, { o: organizationId });
  const scimTokenId = tokens.scimTokens.nodes[0].id as string;
  const scim = scimClient(server, scimToken);
  const scimUser = await scim("POST", "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `${label}-grace@${label}.test`, externalId: `${label}-ext-grace`,
    displayName: `${label} Grace`, emails: [{ value: `${label}-grace@${label}.test`, type: "work", primary: true }],
  });
  const scimGroup = await scim("POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: `${label}-idp-group`, externalId: `${label}-ext-group`,
    members: [{ value: scimUser.body.id }],
  });
  if (scimUser.status !== 201 || scimGroup.status !== 201) throw new Error(`SCIM setup failed: ${JSON.stringify([scimUser.body, scimGroup.body])}`);

  const adminKey = await server.createKey("ADMIN", organizationId);
  const readerKey = await server.createKey("READER", organizationId);
  // A key of the tenant's that no test authenticates with, for operations that aim at an API key.
  const spare = await server.ok(`mutation($o: ID!, $n: String!) { createApiKey(input: {organizationId: $o, name: $n, role: READER}) { apiKey { id } } }`,
    { o: organizationId, n: `${label}-spare` });
  const apiKeyId = spare.createApiKey.apiKey.id as string;

  const ids: Record<IdKind, string> = {
    organization: organizationId, account: accountId, user: userId, group: groupId, role: roleId, binding: bindingId,
    mapping: mappingId, scimToken: scimTokenId, apiKey: apiKeyId, externalId,
  };
  const allIds = [
    organizationId, accountId, otherAccountId, userId, otherUserId, groupId, childGroupId, roleId, otherRoleId, bindingId,
    mappingId, scimTokenId, apiKeyId, scimUser.body.id, scimGroup.body.id,
  ];
  return {
    label, organizationId, ids, allIds, userName, scimUserId: scimUser.body.id, scimGroupId: scimGroup.body.id, childGroupId,
    adminKey, readerKey, scimToken,
  };
}

/**
 * What in `text` (a response body) belongs to `tenant`, other than the values the request sent
 * itself (an error may name the id it was asked about): its ids and anything carrying its label.
 */
export function foreignTraces(text: string, tenant: Tenant, sent: string[]): string[] {
  let rest = text;
  for (const value of sent) if (value.length > 0) rest = rest.split(value).join("<sent>");
  const traces = tenant.allIds.filter((id) => rest.includes(id));
  if (rest.toLowerCase().includes(tenant.label)) traces.push(`text containing "${tenant.label}"`);
  return traces;
}
