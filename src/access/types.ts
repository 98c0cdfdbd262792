/**
 * The facts effective-access resolution needs about one user and one account, loaded in a
 * bounded number of queries by store/access-subgraph.ts. Plain data: no ORM entities.
 */
export interface RoleFact {
  id: string;
  key: string;
  name: string;
  permissions: string[];
}

export interface BindingFact {
  id: string;
  roleId: string;
  subject: { kind: "user" | "group"; id: string };
  /** null: the binding is scoped to the whole organization. */
  accountId: string | null;
}

export interface MappingFact {
  id: string;
  idpValue: string;
  roleId: string;
  accountId: string | null;
}

export interface AccessSubgraph {
  user: { id: string; active: boolean; idpRoleValues: string[] };
  accountId: string;
  /** Groups the user is a direct member of. */
  directGroupIds: string[];
  /** For each group reachable from the user: the groups that directly contain it. */
  parentGroups: Map<string, string[]>;
  /** groupChains(directGroupIds, parentGroups), when the loader computed it already. */
  groupChains?: Map<string, string[]>;
  /** Bindings on the user or on any reachable group (scope not yet checked). */
  bindings: BindingFact[];
  /** The organization's role mappings whose value may match the user's IdP role values. */
  mappings: MappingFact[];
  defaultRoleId: string | null;
  roles: Map<string, RoleFact>;
}

export type GrantScope = "ORGANIZATION" | "ACCOUNT";

/** Why a role was granted: one entry per path that grants it. */
export type Grant =
  | { kind: "DIRECT"; bindingId: string; scope: GrantScope }
  /** groupChain runs from the group the user is directly in, up to the group the role is bound to. */
  | { kind: "GROUP"; bindingId: string; scope: GrantScope; groupChain: string[] }
  | { kind: "MAPPING"; mappingId: string; idpValue: string; scope: GrantScope }
  | { kind: "DEFAULT" };

export interface GrantedRole {
  role: RoleFact;
  grants: Grant[];
}

export interface EffectiveAccess {
  userId: string;
  accountId: string;
  roles: GrantedRole[];
  permissions: string[];
}
