import type { ServerEndpoint } from "./server";

/** Small builders over the GraphQL contract, so scenario tests read like the scenario. */
export function fixtures(server: ServerEndpoint, key?: string) {
  const ok = <T = any>(query: string, variables: Record<string, unknown> = {}) => server.ok<T>(query, variables, key);
  return {
    async organization(name: string): Promise<string> {
      return (await ok(`mutation($name: String!) { createOrganization(input: {name: $name}) { id } }`, { name })).createOrganization.id;
    },
    async account(organizationId: string, name: string): Promise<string> {
      return (await ok(`mutation($o: ID!, $n: String!) { createAccount(input: {organizationId: $o, name: $n}) { id } }`, { o: organizationId, n: name })).createAccount.id;
    },
    async role(organizationId: string, key: string, permissions: string[]): Promise<string> {
      return (await ok(`mutation($o: ID!, $k: String!, $p: [String!]!) { createRole(input: {organizationId: $o, key: $k, name: $k, permissions: $p}) { id } }`,
        { o: organizationId, k: key, p: permissions })).createRole.id;
    },
    async user(organizationId: string, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
      return (await ok(`mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { organizationId, userName, ...extra } })).createUser.id;
    },
    async group(organizationId: string, displayName: string): Promise<string> {
      return (await ok(`mutation($o: ID!, $d: String!) { createGroup(input: {organizationId: $o, displayName: $d}) { id } }`, { o: organizationId, d: displayName })).createGroup.id;
    },
    async addUser(groupId: string, userId: string): Promise<string> {
      return (await ok(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: groupId, u: userId })).addGroupMember.id;
    },
    async nest(groupId: string, memberGroupId: string): Promise<string> {
      return (await ok(`mutation($g: ID!, $m: ID!) { addGroupMember(input: {groupId: $g, memberGroupId: $m}) { id } }`, { g: groupId, m: memberGroupId })).addGroupMember.id;
    },
    async bind(input: { roleId: string; userId?: string; groupId?: string; organizationId?: string; accountId?: string }): Promise<string> {
      return (await ok(`mutation($input: BindRoleInput!) { bindRole(input: $input) { id } }`, { input })).bindRole.id;
    },
    async map(organizationId: string, idpValue: string, roleId: string, accountId?: string): Promise<string> {
      return (await ok(`mutation($input: SetRoleMappingInput!) { setRoleMapping(input: $input) { id } }`,
        { input: { organizationId, idpValue, roleId, accountId } })).setRoleMapping.id;
    },
  };
}

export const EFFECTIVE_ACCESS = `query($u: ID!, $a: ID!) {
  effectiveAccess(userId: $u, accountId: $a) {
    roles { key grants { kind via scope bindingId mappingId groupIds } }
    permissions
  }
}`;

export const CAN = `query($u: ID!, $a: ID!, $p: String!) { can(userId: $u, accountId: $a, permission: $p) }`;
