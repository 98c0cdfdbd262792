/**
 * What `whyNot` reads beyond a user's access facts (DirectoryStore.whyNotFacts): who else the
 * roles carrying a permission reach on one account — the groups they are bound to and the IdP
 * values mapped to them — and the names its sentences give the groups and accounts it mentions.
 */
export interface WhyNotFactsQuery {
  organizationId: string;
  accountId: string;
  /** The organization's roles that carry the permission. */
  roleIds: string[];
  /** Groups and accounts to name (besides the groups the roles are bound to); ids of another organization are left out. */
  groupIds: string[];
  accountIds: string[];
}

export interface WhyNotFacts {
  /** Bindings of the roles on groups of the organization, at organization scope or on the account. */
  groupBindings: Array<{ id: string; roleId: string; groupId: string; accountId: string | null }>;
  /** Mappings to the roles, at organization scope or on the account. */
  mappings: Array<{ id: string; idpValue: string; roleId: string; accountId: string | null }>;
  /** Display names of the bound groups and of the groups asked about. */
  groupNames: Map<string, string>;
  /** Names of the accounts asked about. */
  accountNames: Map<string, string>;
}
