import { groupChains, hasPermission, permissionCovers, resolveEffectiveAccess } from "../../src/access/resolve";
import type { AccessSubgraph, BindingFact, EffectiveAccess, MappingFact, RoleFact } from "../../src/access/types";

// ---------------------------------------------------------------------------------------------
// Factory: build AccessSubgraphs by hand.
// ---------------------------------------------------------------------------------------------

const USER = "user-1";
const ACCOUNT = "acct-A";
const OTHER_ACCOUNT = "acct-B";

function role(id: string, key: string, permissions: string[] = []): RoleFact {
  return { id, key, name: key.toUpperCase(), permissions };
}

const VIEWER = role("r-viewer", "viewer", ["accounts.read", "users.read"]);
const EDITOR = role("r-editor", "editor", ["users.read", "users.write"]);
const ADMIN = role("r-admin", "admin", ["*"]);
const PAYMENTS = role("r-payments", "payments-operator", ["payments.*"]);
const GUEST = role("r-guest", "guest", ["profile.read"]);
const ALL_ROLES = [VIEWER, EDITOR, ADMIN, PAYMENTS, GUEST];

function userBinding(id: string, roleId: string, accountId: string | null = null, userId = USER): BindingFact {
  return { id, roleId, subject: { kind: "user", id: userId }, accountId };
}

function groupBinding(id: string, roleId: string, groupId: string, accountId: string | null = null): BindingFact {
  return { id, roleId, subject: { kind: "group", id: groupId }, accountId };
}

function mapping(id: string, idpValue: string, roleId: string, accountId: string | null = null): MappingFact {
  return { id, idpValue, roleId, accountId };
}

interface GraphOptions {
  active?: boolean;
  idpRoleValues?: string[];
  accountId?: string;
  directGroupIds?: string[];
  parentGroups?: Record<string, string[]>;
  bindings?: BindingFact[];
  mappings?: MappingFact[];
  defaultRoleId?: string | null;
  roles?: RoleFact[];
}

function graph(opts: GraphOptions = {}): AccessSubgraph {
  return {
    user: { id: USER, active: opts.active ?? true, idpRoleValues: opts.idpRoleValues ?? [] },
    accountId: opts.accountId ?? ACCOUNT,
    directGroupIds: opts.directGroupIds ?? [],
    parentGroups: new Map(Object.entries(opts.parentGroups ?? {})),
    bindings: opts.bindings ?? [],
    mappings: opts.mappings ?? [],
    defaultRoleId: opts.defaultRoleId ?? null,
    roles: new Map((opts.roles ?? ALL_ROLES).map((r) => [r.id, r])),
  };
}

/** roleKey → grants, for compact exact assertions. */
function grantsByKey(access: EffectiveAccess) {
  return access.roles.map((r) => [r.role.key, r.grants]);
}

function accessWith(permissions: string[]): EffectiveAccess {
  return { userId: USER, accountId: ACCOUNT, roles: [], permissions };
}

// ---------------------------------------------------------------------------------------------

describe("resolveEffectiveAccess", () => {
  describe("empty and identity", () => {
    it("returns no roles and no permissions for an active user with nothing bound, and echoes user and account ids", () => {
      expect(resolveEffectiveAccess(graph())).toEqual({ userId: USER, accountId: ACCOUNT, roles: [], permissions: [] });
    });
  });

  describe("direct bindings", () => {
    it("grants a role bound to the user at organization scope", () => {
      const access = resolveEffectiveAccess(graph({ bindings: [userBinding("b1", VIEWER.id, null)] }));
      expect(access.roles).toEqual([{ role: VIEWER, grants: [{ kind: "DIRECT", bindingId: "b1", scope: "ORGANIZATION" }] }]);
      expect(access.permissions).toEqual(["accounts.read", "users.read"]);
    });

    it("grants a role bound to the user at the scope of the requested account", () => {
      const access = resolveEffectiveAccess(graph({ bindings: [userBinding("b1", EDITOR.id, ACCOUNT)] }));
      expect(access.roles).toEqual([{ role: EDITOR, grants: [{ kind: "DIRECT", bindingId: "b1", scope: "ACCOUNT" }] }]);
      expect(access.permissions).toEqual(["users.read", "users.write"]);
    });

    it("ignores a binding scoped to another account", () => {
      const access = resolveEffectiveAccess(graph({
        bindings: [userBinding("b-other", ADMIN.id, OTHER_ACCOUNT), userBinding("b1", VIEWER.id, ACCOUNT)],
      }));
      expect(grantsByKey(access)).toEqual([["viewer", [{ kind: "DIRECT", bindingId: "b1", scope: "ACCOUNT" }]]]);
      expect(access.permissions).toEqual(["accounts.read", "users.read"]);
    });

    it("ignores a user binding whose subject is a different user", () => {
      const access = resolveEffectiveAccess(graph({ bindings: [userBinding("b-x", ADMIN.id, null, "someone-else")] }));
      expect(access.roles).toEqual([]);
      expect(access.permissions).toEqual([]);
    });

    it("records both the organization-scope and the account-scope grant of the same role, in binding order", () => {
      const access = resolveEffectiveAccess(graph({
        bindings: [userBinding("b-org", EDITOR.id, null), userBinding("b-acct", EDITOR.id, ACCOUNT)],
      }));
      expect(access.roles).toEqual([{
        role: EDITOR,
        grants: [
          { kind: "DIRECT", bindingId: "b-org", scope: "ORGANIZATION" },
          { kind: "DIRECT", bindingId: "b-acct", scope: "ACCOUNT" },
        ],
      }]);
    });

    it("skips bindings that reference an unknown role id without affecting the others", () => {
      const access = resolveEffectiveAccess(graph({
        bindings: [userBinding("b-ghost", "r-does-not-exist", null), userBinding("b1", VIEWER.id, null), groupBinding("b-ghost-g", "r-nope", "G1")],
        directGroupIds: ["G1"],
      }));
      expect(access.roles).toEqual([{ role: VIEWER, grants: [{ kind: "DIRECT", bindingId: "b1", scope: "ORGANIZATION" }] }]);
      expect(access.permissions).toEqual(["accounts.read", "users.read"]);
    });
  });

  describe("group bindings", () => {
    it("grants a role bound to a group the user is directly in, with a one-group chain", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        bindings: [groupBinding("bg1", VIEWER.id, "G1", ACCOUNT)],
      }));
      expect(access.roles).toEqual([{ role: VIEWER, grants: [{ kind: "GROUP", bindingId: "bg1", scope: "ACCOUNT", groupChain: ["G1"] }] }]);
    });

    it("grants a role bound on G3 through user ∈ G1 ⊂ G2 ⊂ G3 with groupChain [G1, G2, G3]", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"], G2: ["G3"] },
        bindings: [groupBinding("bg3", ADMIN.id, "G3", null)],
      }));
      expect(access.roles).toEqual([{
        role: ADMIN,
        grants: [{ kind: "GROUP", bindingId: "bg3", scope: "ORGANIZATION", groupChain: ["G1", "G2", "G3"] }],
      }]);
      expect(access.permissions).toEqual(["*"]);
    });

    it("gives each level of a nested chain its own chain prefix when roles are bound at every level", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"], G2: ["G3"] },
        bindings: [
          groupBinding("b-g1", GUEST.id, "G1"),
          groupBinding("b-g2", VIEWER.id, "G2", ACCOUNT),
          groupBinding("b-g3", EDITOR.id, "G3"),
        ],
      }));
      expect(grantsByKey(access)).toEqual([
        ["editor", [{ kind: "GROUP", bindingId: "b-g3", scope: "ORGANIZATION", groupChain: ["G1", "G2", "G3"] }]],
        ["guest", [{ kind: "GROUP", bindingId: "b-g1", scope: "ORGANIZATION", groupChain: ["G1"] }]],
        ["viewer", [{ kind: "GROUP", bindingId: "b-g2", scope: "ACCOUNT", groupChain: ["G1", "G2"] }]],
      ]);
    });

    it("ignores a group binding scoped to another account even when the group is reachable", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"] },
        bindings: [groupBinding("bg2", ADMIN.id, "G2", OTHER_ACCOUNT)],
      }));
      expect(access.roles).toEqual([]);
      expect(access.permissions).toEqual([]);
    });

    it("ignores a binding on a group the user cannot reach", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"], GX: ["GY"] },
        bindings: [groupBinding("b-gy", ADMIN.id, "GY"), groupBinding("b-gx", ADMIN.id, "GX")],
      }));
      expect(access.roles).toEqual([]);
    });

    it("grants once with the shortest chain when a group is reachable along two paths of different length (diamond)", () => {
      // user ∈ G1 and user ∈ G4; G1 ⊂ G2 ⊂ TOP; G4 ⊂ TOP. Shortest path to TOP is via G4.
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1", "G4"],
        parentGroups: { G1: ["G2"], G2: ["TOP"], G4: ["TOP"] },
        bindings: [groupBinding("b-top", EDITOR.id, "TOP")],
      }));
      expect(access.roles).toEqual([{
        role: EDITOR,
        grants: [{ kind: "GROUP", bindingId: "b-top", scope: "ORGANIZATION", groupChain: ["G4", "TOP"] }],
      }]);
    });

    it("grants once for a classic diamond G1 ⊂ {G2, G3} ⊂ G4, choosing the path through the lexically first group on a tie", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G3", "G2"], G2: ["G4"], G3: ["G4"] },
        bindings: [groupBinding("b-g4", VIEWER.id, "G4", ACCOUNT)],
      }));
      expect(access.roles).toEqual([{
        role: VIEWER,
        grants: [{ kind: "GROUP", bindingId: "b-g4", scope: "ACCOUNT", groupChain: ["G1", "G2", "G4"] }],
      }]);
    });

    it("terminates on a cycle in parentGroups and still grants roles bound inside the cycle", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"], G2: ["G3"], G3: ["G1"] },
        bindings: [groupBinding("b-g3", VIEWER.id, "G3"), groupBinding("b-g1", GUEST.id, "G1")],
      }));
      expect(grantsByKey(access)).toEqual([
        ["guest", [{ kind: "GROUP", bindingId: "b-g1", scope: "ORGANIZATION", groupChain: ["G1"] }]],
        ["viewer", [{ kind: "GROUP", bindingId: "b-g3", scope: "ORGANIZATION", groupChain: ["G1", "G2", "G3"] }]],
      ]);
    });

    it("terminates on a group that lists itself as its own parent", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G1"] },
        bindings: [groupBinding("b-g1", GUEST.id, "G1")],
      }));
      expect(access.roles).toEqual([{ role: GUEST, grants: [{ kind: "GROUP", bindingId: "b-g1", scope: "ORGANIZATION", groupChain: ["G1"] }] }]);
    });

    it("uses the one-group chain when the user is directly in the bound group and also reaches it through nesting", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1", "G3"],
        parentGroups: { G1: ["G2"], G2: ["G3"] },
        bindings: [groupBinding("b-g3", VIEWER.id, "G3")],
      }));
      expect(access.roles).toEqual([{ role: VIEWER, grants: [{ kind: "GROUP", bindingId: "b-g3", scope: "ORGANIZATION", groupChain: ["G3"] }] }]);
    });
  });

  describe("role mappings", () => {
    it("matches a mapping case-insensitively and reports the mapping's own idpValue", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["finance-ADMINS"],
        mappings: [mapping("m1", "Finance-Admins", PAYMENTS.id)],
      }));
      expect(access.roles).toEqual([{
        role: PAYMENTS,
        grants: [{ kind: "MAPPING", mappingId: "m1", idpValue: "Finance-Admins", scope: "ORGANIZATION" }],
      }]);
      expect(access.permissions).toEqual(["payments.*"]);
    });

    it("matches a mapping when the user's value and the mapping's value carry surrounding whitespace", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["  Engineers\t"],
        mappings: [mapping("m1", " engineers ", EDITOR.id, ACCOUNT)],
      }));
      expect(access.roles).toEqual([{
        role: EDITOR,
        grants: [{ kind: "MAPPING", mappingId: "m1", idpValue: " engineers ", scope: "ACCOUNT" }],
      }]);
    });

    it("does not match a mapping whose value differs beyond case and surrounding whitespace", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["engineers-eu", "eng ineers"],
        mappings: [mapping("m1", "engineers", EDITOR.id)],
      }));
      expect(access.roles).toEqual([]);
    });

    it("does not match a mapping scoped to another account, and then falls back to the default role", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["engineers"],
        mappings: [mapping("m-other", "engineers", EDITOR.id, OTHER_ACCOUNT)],
        defaultRoleId: GUEST.id,
      }));
      expect(access.roles).toEqual([{ role: GUEST, grants: [{ kind: "DEFAULT" }] }]);
      expect(access.permissions).toEqual(["profile.read"]);
    });

    it("grants several roles from several matching values, each with its own mapping grant", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["eng", "ops"],
        mappings: [mapping("m-eng", "ENG", EDITOR.id, null), mapping("m-ops", "Ops", VIEWER.id, ACCOUNT), mapping("m-unused", "sales", ADMIN.id)],
      }));
      expect(grantsByKey(access)).toEqual([
        ["editor", [{ kind: "MAPPING", mappingId: "m-eng", idpValue: "ENG", scope: "ORGANIZATION" }]],
        ["viewer", [{ kind: "MAPPING", mappingId: "m-ops", idpValue: "Ops", scope: "ACCOUNT" }]],
      ]);
      expect(access.permissions).toEqual(["accounts.read", "users.read", "users.write"]);
    });
  });

  describe("default role", () => {
    it("applies the default role when no mapping matched and nothing else is granted", () => {
      const access = resolveEffectiveAccess(graph({ idpRoleValues: ["nobody-maps-this"], mappings: [mapping("m1", "eng", EDITOR.id)], defaultRoleId: GUEST.id }));
      expect(access.roles).toEqual([{ role: GUEST, grants: [{ kind: "DEFAULT" }] }]);
    });

    it("applies the default role even when the user has direct and group bindings", () => {
      const access = resolveEffectiveAccess(graph({
        directGroupIds: ["G1"],
        bindings: [userBinding("b1", EDITOR.id, ACCOUNT), groupBinding("bg1", VIEWER.id, "G1")],
        defaultRoleId: GUEST.id,
      }));
      expect(grantsByKey(access)).toEqual([
        ["editor", [{ kind: "DIRECT", bindingId: "b1", scope: "ACCOUNT" }]],
        ["guest", [{ kind: "DEFAULT" }]],
        ["viewer", [{ kind: "GROUP", bindingId: "bg1", scope: "ORGANIZATION", groupChain: ["G1"] }]],
      ]);
      expect(access.permissions).toEqual(["accounts.read", "profile.read", "users.read", "users.write"]);
    });

    it("does not apply the default role when a mapping matched", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["Eng"],
        mappings: [mapping("m1", "eng", EDITOR.id)],
        defaultRoleId: GUEST.id,
      }));
      expect(access.roles).toEqual([{ role: EDITOR, grants: [{ kind: "MAPPING", mappingId: "m1", idpValue: "eng", scope: "ORGANIZATION" }] }]);
      expect(access.permissions).toEqual(["users.read", "users.write"]);
    });

    it("adds a DEFAULT grant alongside a binding grant when the default role is also bound", () => {
      const access = resolveEffectiveAccess(graph({ bindings: [userBinding("b1", GUEST.id)], defaultRoleId: GUEST.id }));
      expect(access.roles).toEqual([{
        role: GUEST,
        grants: [{ kind: "DIRECT", bindingId: "b1", scope: "ORGANIZATION" }, { kind: "DEFAULT" }],
      }]);
    });

    it("grants nothing when there is no default role and no mapping matched", () => {
      const access = resolveEffectiveAccess(graph({ idpRoleValues: ["x"], defaultRoleId: null }));
      expect(access).toEqual({ userId: USER, accountId: ACCOUNT, roles: [], permissions: [] });
    });

    it("skips a default role id that is not among the known roles", () => {
      const access = resolveEffectiveAccess(graph({ defaultRoleId: "r-missing" }));
      expect(access.roles).toEqual([]);
      expect(access.permissions).toEqual([]);
    });
  });

  describe("inactive users", () => {
    it("gives an inactive user no roles and no permissions, not even the default role", () => {
      const access = resolveEffectiveAccess(graph({
        active: false,
        idpRoleValues: ["eng"],
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"] },
        bindings: [userBinding("b1", ADMIN.id), groupBinding("bg2", EDITOR.id, "G2", ACCOUNT)],
        mappings: [mapping("m1", "eng", VIEWER.id)],
        defaultRoleId: GUEST.id,
      }));
      expect(access).toEqual({ userId: USER, accountId: ACCOUNT, roles: [], permissions: [] });
    });

    it("gives an inactive user with only a default role configured nothing", () => {
      const access = resolveEffectiveAccess(graph({ active: false, defaultRoleId: GUEST.id }));
      expect(access).toEqual({ userId: USER, accountId: ACCOUNT, roles: [], permissions: [] });
    });
  });

  describe("accumulation, ordering and permissions", () => {
    it("accumulates direct, group, mapping grants (org and account scope) on one role in source order", () => {
      const access = resolveEffectiveAccess(graph({
        idpRoleValues: ["Viewers"],
        directGroupIds: ["G1"],
        parentGroups: { G1: ["G2"] },
        bindings: [
          userBinding("b-direct-org", VIEWER.id, null),
          groupBinding("b-g2-acct", VIEWER.id, "G2", ACCOUNT),
          userBinding("b-direct-acct", VIEWER.id, ACCOUNT),
          groupBinding("b-g1-org", VIEWER.id, "G1", null),
        ],
        mappings: [mapping("m-acct", "viewers", VIEWER.id, ACCOUNT), mapping("m-org", "VIEWERS", VIEWER.id, null)],
        defaultRoleId: GUEST.id,
      }));
      expect(access.roles).toEqual([{
        role: VIEWER,
        grants: [
          { kind: "DIRECT", bindingId: "b-direct-org", scope: "ORGANIZATION" },
          { kind: "GROUP", bindingId: "b-g2-acct", scope: "ACCOUNT", groupChain: ["G1", "G2"] },
          { kind: "DIRECT", bindingId: "b-direct-acct", scope: "ACCOUNT" },
          { kind: "GROUP", bindingId: "b-g1-org", scope: "ORGANIZATION", groupChain: ["G1"] },
          { kind: "MAPPING", mappingId: "m-acct", idpValue: "viewers", scope: "ACCOUNT" },
          { kind: "MAPPING", mappingId: "m-org", idpValue: "VIEWERS", scope: "ORGANIZATION" },
        ],
      }]);
      expect(access.permissions).toEqual(["accounts.read", "users.read"]);
    });

    it("sorts roles by key regardless of the order in which they were granted", () => {
      const access = resolveEffectiveAccess(graph({
        bindings: [
          userBinding("b1", VIEWER.id),
          userBinding("b2", PAYMENTS.id),
          userBinding("b3", ADMIN.id),
          userBinding("b4", GUEST.id),
          userBinding("b5", EDITOR.id),
        ],
      }));
      expect(access.roles.map((r) => r.role.key)).toEqual(["admin", "editor", "guest", "payments-operator", "viewer"]);
    });

    it("unions permissions across roles, deduplicated and sorted", () => {
      const a = role("ra", "a", ["z.write", "users.read", "a.read"]);
      const b = role("rb", "b", ["users.read", "m.list", "a.read", "z.write"]);
      const access = resolveEffectiveAccess(graph({
        roles: [a, b],
        bindings: [userBinding("b1", "rb"), userBinding("b2", "ra", ACCOUNT)],
      }));
      expect(access.permissions).toEqual(["a.read", "m.list", "users.read", "z.write"]);
      expect(access.roles.map((r) => r.role.id)).toEqual(["ra", "rb"]);
    });

    it("keeps permissions unique when the same role is granted many times", () => {
      const access = resolveEffectiveAccess(graph({
        bindings: [userBinding("b1", EDITOR.id), userBinding("b2", EDITOR.id, ACCOUNT)],
        idpRoleValues: ["eng"],
        mappings: [mapping("m1", "eng", EDITOR.id)],
      }));
      expect(access.permissions).toEqual(["users.read", "users.write"]);
      expect(access.roles).toHaveLength(1);
    });

    it("returns the role fact object from the subgraph unchanged", () => {
      const access = resolveEffectiveAccess(graph({ bindings: [userBinding("b1", PAYMENTS.id)] }));
      expect(access.roles[0].role).toBe(PAYMENTS);
    });
  });
});

describe("groupChains", () => {
  it("returns an empty map when the user is in no group", () => {
    expect(groupChains([], new Map([["G1", ["G2"]]]))).toEqual(new Map());
  });

  it("maps each reachable group to its shortest chain from a direct group", () => {
    const chains = groupChains(["G1"], new Map([["G1", ["G2"]], ["G2", ["G3"]]]));
    expect(chains).toEqual(new Map([["G1", ["G1"]], ["G2", ["G1", "G2"]], ["G3", ["G1", "G2", "G3"]]]));
  });

  it("deduplicates repeated direct group ids", () => {
    expect(groupChains(["G1", "G1"], new Map())).toEqual(new Map([["G1", ["G1"]]]));
  });

  it("terminates on a cycle and visits each group once", () => {
    const chains = groupChains(["A"], new Map([["A", ["B"]], ["B", ["C"]], ["C", ["A", "B"]]]));
    expect(chains).toEqual(new Map([["A", ["A"]], ["B", ["A", "B"]], ["C", ["A", "B", "C"]]]));
  });

  it("is deterministic regardless of the input order of direct groups and parents", () => {
    const parents1 = new Map([["X", ["P2", "P1"]], ["Y", ["P1"]]]);
    const parents2 = new Map([["Y", ["P1"]], ["X", ["P1", "P2"]]]);
    const expected = new Map([["X", ["X"]], ["Y", ["Y"]], ["P1", ["X", "P1"]], ["P2", ["X", "P2"]]]);
    expect(groupChains(["Y", "X"], parents1)).toEqual(expected);
    expect(groupChains(["X", "Y"], parents2)).toEqual(expected);
  });

  it("does not mutate its inputs", () => {
    const direct = ["B", "A"];
    const parents = new Map([["A", ["D", "C"]]]);
    groupChains(direct, parents);
    expect(direct).toEqual(["B", "A"]);
    expect(parents).toEqual(new Map([["A", ["D", "C"]]]));
  });
});

describe("hasPermission / permissionCovers", () => {
  it("grants an exact permission match", () => {
    expect(hasPermission(accessWith(["users.read"]), "users.read")).toBe(true);
  });

  it("refuses a permission that is not granted", () => {
    expect(hasPermission(accessWith(["users.read"]), "users.write")).toBe(false);
  });

  it("refuses everything when the access has no permissions", () => {
    expect(hasPermission(accessWith([]), "users.read")).toBe(false);
  });

  it("lets payments.* cover every payments.x permission", () => {
    const access = accessWith(["payments.*"]);
    expect(["payments.read", "payments.refund", "payments.batch.approve"].map((p) => hasPermission(access, p))).toEqual([true, true, true]);
  });

  it("does not let payments.* cover paymentsx.read, payments itself, or another area", () => {
    const access = accessWith(["payments.*"]);
    expect(["paymentsx.read", "payments", "users.read", "xpayments.read"].map((p) => hasPermission(access, p))).toEqual([false, false, false, false]);
  });

  it("lets * cover any permission", () => {
    const access = accessWith(["*"]);
    expect(["users.read", "payments.refund", "anything"].map((p) => hasPermission(access, p))).toEqual([true, true, true]);
  });

  it("does not treat a literal non-wildcard suffix as a prefix", () => {
    expect(permissionCovers("payments.read", "payments.read.all")).toBe(false);
    expect(permissionCovers("payments", "payments.read")).toBe(false);
  });

  it("checks permissions against the resolved access of a mapped wildcard role", () => {
    const access = resolveEffectiveAccess(graph({ idpRoleValues: ["FINANCE"], mappings: [mapping("m1", "finance", PAYMENTS.id, ACCOUNT)] }));
    expect([hasPermission(access, "payments.refund"), hasPermission(access, "paymentsx.read"), hasPermission(access, "users.read")])
      .toEqual([true, false, false]);
  });
});
