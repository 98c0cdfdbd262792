/**
 * The operations the playground opens with, one GraphiQL tab each, in the order an admin sets up
 * a tenant. Placeholders such as ORGANIZATION_ID stand for ids returned by the earlier tabs; the
 * tests substitute real ids and run every example against the server, so the examples cannot
 * drift from the schema unnoticed.
 */
export interface PlaygroundExample {
  query: string;
  /** Shown in GraphiQL's variables editor; placeholders are plain strings. */
  variables?: Record<string, unknown>;
}

export const PLAYGROUND_EXAMPLES: PlaygroundExample[] = [
  {
    query: `# Paste an ADMIN API key above (create one with: npm run idgraph -- api-key create),
# then run this with the ▶ button or Ctrl-Enter. Each tab holds one step of setting up a tenant;
# copy the ids each step returns into the variables of the next.
query Viewer {
  viewer {
    kind
    id
    canWrite
    organizationId
  }
}
`,
  },
  {
    query: `mutation CreateOrganization($name: String!) {
  createOrganization(input: { name: $name }) {
    id
    name
    scimEnabled
  }
}
`,
    variables: { name: "Acme" },
  },
  {
    query: `mutation CreateAccount($input: CreateAccountInput!) {
  createAccount(input: $input) {
    id
    name
    organization { id name }
  }
}
`,
    variables: { input: { organizationId: "ORGANIZATION_ID", name: "Acme Europe" } },
  },
  {
    query: `# Permissions are strings such as payments.write; "payments.*" covers the whole area.
mutation CreateRole($input: CreateRoleInput!) {
  createRole(input: $input) {
    id
    key
    name
    permissions
  }
}
`,
    variables: {
      input: { organizationId: "ORGANIZATION_ID", key: "payments-admin", name: "Payments admin", permissions: ["payments.*", "reports.read"] },
    },
  },
  {
    query: `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    id
    userName
    displayName
    active
    idpRoleValues
  }
}
`,
    variables: {
      input: {
        organizationId: "ORGANIZATION_ID",
        userName: "ada@acme.example",
        givenName: "Ada",
        familyName: "Lovelace",
        emails: [{ value: "ada@acme.example", type: "work", primary: true }],
        idpRoleValues: ["finance"],
      },
    },
  },
  {
    query: `mutation CreateGroup($input: CreateGroupInput!) {
  createGroup(input: $input) {
    id
    displayName
    memberCount
  }
}
`,
    variables: { input: { organizationId: "ORGANIZATION_ID", displayName: "Finance" } },
  },
  {
    query: `# Set userId to add a user, or memberGroupId to nest a group (cycles are refused).
mutation AddGroupMember($input: GroupMemberInput!) {
  addGroupMember(input: $input) {
    id
    group { id displayName memberCount }
    member {
      __typename
      ... on User { id userName }
      ... on Group { id displayName }
    }
  }
}
`,
    variables: { input: { groupId: "GROUP_ID", userId: "USER_ID" } },
  },
  {
    query: `# One subject (userId or groupId) and one scope (organizationId or accountId).
mutation BindRole($input: BindRoleInput!) {
  bindRole(input: $input) {
    id
    scope
    role { key }
    group { displayName }
    user { userName }
    account { name }
  }
}
`,
    variables: { input: { roleId: "ROLE_ID", groupId: "GROUP_ID", accountId: "ACCOUNT_ID" } },
  },
  {
    query: `# Users whose IdP role values (SCIM roles) include idpValue get the role.
mutation SetRoleMapping($input: SetRoleMappingInput!) {
  setRoleMapping(input: $input) {
    id
    idpValue
    role { key }
    account { id }
  }
}
`,
    variables: { input: { organizationId: "ORGANIZATION_ID", roleId: "ROLE_ID", idpValue: "finance" } },
  },
  {
    query: `# The secret is shown once: paste it into the identity provider's SCIM settings.
mutation CreateScimToken($input: CreateScimTokenInput!) {
  createScimToken(input: $input) {
    secret
    token { id name expiresAt }
  }
}
`,
    variables: { input: { organizationId: "ORGANIZATION_ID", name: "Okta" } },
  },
  {
    query: `# Every role the user holds on the account, with each path that grants it.
query EffectiveAccess($userId: ID!, $accountId: ID!) {
  effectiveAccess(userId: $userId, accountId: $accountId) {
    roles {
      key
      grants { kind via }
    }
    permissions
  }
}
`,
    variables: { userId: "USER_ID", accountId: "ACCOUNT_ID" },
  },
  {
    query: `query Can($userId: ID!, $accountId: ID!, $permission: String!) {
  can(userId: $userId, accountId: $accountId, permission: $permission)
}
`,
    variables: { userId: "USER_ID", accountId: "ACCOUNT_ID", permission: "payments.write" },
  },
  {
    query: `# Answers come back in the order asked.
query CanBatch($userId: ID!, $accountId: ID!) {
  canBatch(checks: [
    { userId: $userId, accountId: $accountId, permission: "payments.write" }
    { userId: $userId, accountId: $accountId, permission: "reports.read" }
    { userId: $userId, accountId: $accountId, permission: "users.delete" }
  ])
}
`,
    variables: { userId: "USER_ID", accountId: "ACCOUNT_ID" },
  },
  {
    query: `# The other way round: every user who may do this on the account, and how each is granted it.
query WhoCan($accountId: ID!, $permission: String!) {
  whoCan(accountId: $accountId, permission: $permission, first: 20) {
    totalCount
    nodes {
      user { userName }
      roles { key grants { kind via } }
    }
    pageInfo { endCursor hasNextPage }
  }
}
`,
    variables: { accountId: "ACCOUNT_ID", permission: "payments.write" },
  },
  {
    query: `# The accounts on which the user may do this, and the user's whole access map.
query WhereCan($userId: ID!, $permission: String!) {
  whereCan(userId: $userId, permission: $permission, first: 20) {
    totalCount
    nodes { account { name } roles { key } }
  }
  accessMap(userId: $userId) {
    everyAccount { roles { key } permissions }
    accounts(first: 20) {
      nodes { account { name } roles { key grants { kind } } permissions }
    }
  }
}
`,
    variables: { userId: "USER_ID", permission: "payments.write" },
  },
  {
    query: `# For a denied can: what would grant it, with the ids to act on.
query WhyNot($userId: ID!, $accountId: ID!, $permission: String!) {
  whyNot(userId: $userId, accountId: $accountId, permission: $permission) {
    allowed
    summary
    rolesWithPermission { key }
    options { kind description roleId groupId accountId idpValue }
  }
}
`,
    variables: { userId: "USER_ID", accountId: "ACCOUNT_ID", permission: "users.delete" },
  },
  {
    query: `# A dry run: what a change would do to effective access, before it is made (nothing is written).
# Other changes: addGroupMember, removeGroupMember, bindRole, unbindRole, setRoleMapping,
# deleteRoleMapping, setDefaultRole, setUserIdpRoleValues.
query WhatIf($userId: ID!) {
  whatIf(change: { setUserActive: { userId: $userId, active: false } }, first: 20) {
    affectedUsers
    changes {
      nodes {
        user { userName }
        accounts { account { name } gained { key } lost { key } }
      }
    }
  }
}
`,
    variables: { userId: "USER_ID" },
  },
  {
    query: `# The organization's events in feed order; page on with after: <the last endCursor>.
query Events($organizationId: ID!) {
  events(organizationId: $organizationId, first: 20) {
    edges {
      node { position type occurredAt targetType targetId data }
    }
    pageInfo { endCursor hasNextPage }
  }
}
`,
    variables: { organizationId: "ORGANIZATION_ID" },
  },
  {
    query: `# Live: run it, then change something in another tab (say, create a user) and watch the events arrive.
subscription DirectoryEvents($organizationId: ID!) {
  directoryEvents(organizationId: $organizationId) {
    position type targetType targetId data
  }
}
`,
    variables: { organizationId: "ORGANIZATION_ID" },
  },
];
