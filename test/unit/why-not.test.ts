import { hasPermission, resolveEffectiveAccess } from "../../src/access/resolve";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../../src/access/types";
import { analyseWhyNot, compareOptions, type PermissionGrantors, type WhyNotOption } from "../../src/access/why-not";
import { describeOption, summarize, type WhyNotNames } from "../../src/domain/queries/why-not-sentences";

const USER = "user-1";
const HERE = "acct-A";
const ELSEWHERE = "acct-B";

const role = (id: string, key: string, permissions: string[]): RoleFact => ({ id, key, name: key, permissions });
const DEPLOYER = role("r-deployer", "deployer", ["deploy.*"]);
const RUNNER = role("r-runner", "runner", ["deploy.run"]);
const OWNER = role("r-owner", "owner", ["*"]);
const VIEWER = role("r-viewer", "viewer", ["dashboard.read"]);
const MEMBER = role("r-member", "member", ["profile.read", "deploy.run"]);
const ALL = [DEPLOYER, RUNNER, OWNER, VIEWER, MEMBER];

const userBinding = (id: string, roleId: string, accountId: string | null): BindingFact => ({ id, roleId, subject: { kind: "user", id: USER }, accountId });
const groupBinding = (id: string, roleId: string, groupId: string, accountId: string | null): BindingFact => ({ id, roleId, subject: { kind: "group", id: groupId }, accountId });
const mapping = (id: string, idpValue: string, roleId: string, accountId: string | null = null): MappingFact => ({ id, idpValue, roleId, accountId });

interface Scenario {
  active?: boolean;
  idpRoleValues?: string[];
  directGroupIds?: string[];
  parentGroups?: Record<string, string[]>;
  /** The user's own bindings and those on its groups (what the access facts hold). */
  bindings?: BindingFact[];
  mappings?: MappingFact[];
  defaultRoleId?: string | null;
  /** Bindings of any role on groups (the store's answer is limited to carrying roles in scope; analyseWhyNot filters again). */
  groupBindings?: BindingFact[];
}

function scenario(s: Scenario): { graph: AccessSubgraph; grantors: PermissionGrantors } {
  const named = new Set([...(s.bindings ?? []).map((b) => b.roleId), ...(s.mappings ?? []).map((m) => m.roleId), ...(s.defaultRoleId ? [s.defaultRoleId] : [])]);
  const graph: AccessSubgraph = {
    user: { id: USER, active: s.active ?? true, idpRoleValues: s.idpRoleValues ?? [] },
    accountId: HERE,
    directGroupIds: s.directGroupIds ?? [],
    parentGroups: new Map(Object.entries(s.parentGroups ?? {})),
    bindings: s.bindings ?? [],
    mappings: s.mappings ?? [],
    defaultRoleId: s.defaultRoleId ?? null,
    // As the access facts load them: only the roles the user's facts name.
    roles: new Map(ALL.filter((r) => named.has(r.id)).map((r) => [r.id, r])),
  };
  return { graph, grantors: { roles: ALL, groupBindings: s.groupBindings ?? [], mappings: s.mappings ?? [] } };
}

function optionsOf(s: Scenario, permission = "deploy.run"): WhyNotOption[] {
  const { graph, grantors } = scenario(s);
  return analyseWhyNot(graph, permission, grantors).options;
}

const opt = (o: Partial<WhyNotOption> & Pick<WhyNotOption, "kind" | "roleId">): WhyNotOption =>
  ({ groupId: null, bindingId: null, mappingIds: [], accountId: null, idpValue: null, needsReactivation: false, ...o });

const bindUserOptions = [DEPLOYER, MEMBER, OWNER, RUNNER].map((r) => opt({ kind: "BIND_USER", roleId: r.id, accountId: HERE }));

describe("analyseWhyNot: what would grant a denied permission", () => {
  it("agrees with resolution when allowed, and lists only the granting roles that carry the permission", () => {
    const { graph, grantors } = scenario({ bindings: [userBinding("b1", RUNNER.id, null), userBinding("b2", VIEWER.id, HERE)] });
    const analysis = analyseWhyNot(graph, "deploy.run", grantors);
    expect(analysis.allowed).toBe(hasPermission(resolveEffectiveAccess(graph), "deploy.run"));
    expect(analysis.allowed).toBe(true);
    expect(analysis.grantedBy.map((g) => g.role.key)).toEqual(["runner"]);
    expect(analysis.options).toEqual([]);
  });

  it("counts `area.*` and `*` as carrying the permission, ordered by key", () => {
    const { graph, grantors } = scenario({});
    expect(analyseWhyNot(graph, "deploy.run", grantors).rolesWithPermission.map((r) => r.key)).toEqual(["deployer", "member", "owner", "runner"]);
    expect(analyseWhyNot(graph, "deploy.canary", grantors).rolesWithPermission.map((r) => r.key)).toEqual(["deployer", "owner"]);
  });

  it("offers binding each carrying role to the user when nothing else would grant it", () => {
    expect(optionsOf({})).toEqual(bindUserOptions);
  });

  it("names a bound group the user is not in (org scope or this account), but not one bound on another account or one it is in", () => {
    const options = optionsOf({
      directGroupIds: ["g-sre"],
      parentGroups: { "g-sre": ["g-platform"] },
      bindings: [groupBinding("b-platform", VIEWER.id, "g-platform", null)],
      groupBindings: [
        groupBinding("b-eng", DEPLOYER.id, "g-eng", null),
        groupBinding("b-ops", RUNNER.id, "g-ops", HERE),
        groupBinding("b-far", RUNNER.id, "g-far", ELSEWHERE),
        groupBinding("b-viewers", VIEWER.id, "g-viewers", null),
      ],
    });
    expect(options.filter((o) => o.kind === "JOIN_GROUP")).toEqual([
      opt({ kind: "JOIN_GROUP", roleId: DEPLOYER.id, groupId: "g-eng", bindingId: "b-eng" }),
      opt({ kind: "JOIN_GROUP", roleId: RUNNER.id, groupId: "g-ops", bindingId: "b-ops", accountId: HERE }),
    ]);
  });

  it("says which other account a binding of the user (direct or through a nested group) grants the role on", () => {
    const options = optionsOf({
      directGroupIds: ["g-sre"],
      parentGroups: { "g-sre": ["g-platform"] },
      bindings: [userBinding("b-direct", RUNNER.id, ELSEWHERE), groupBinding("b-group", DEPLOYER.id, "g-platform", "acct-C"), userBinding("b-view", VIEWER.id, ELSEWHERE)],
    });
    expect(options.filter((o) => o.kind === "BOUND_ON_OTHER_ACCOUNT")).toEqual([
      opt({ kind: "BOUND_ON_OTHER_ACCOUNT", roleId: DEPLOYER.id, groupId: "g-platform", bindingId: "b-group", accountId: "acct-C" }),
      opt({ kind: "BOUND_ON_OTHER_ACCOUNT", roleId: RUNNER.id, bindingId: "b-direct", accountId: ELSEWHERE }),
    ]);
  });

  it("names the IdP value of each mapping in scope to a carrying role, which the user lacks", () => {
    const options = optionsOf({
      idpRoleValues: ["DEPLOY-ers"],
      mappings: [mapping("m-org", "Runners", RUNNER.id), mapping("m-here", "ops", DEPLOYER.id, HERE), mapping("m-far", "far", RUNNER.id, ELSEWHERE), mapping("m-view", "viewers", VIEWER.id)],
    });
    expect(options.filter((o) => o.kind === "IDP_ROLE_VALUE")).toEqual([
      opt({ kind: "IDP_ROLE_VALUE", roleId: DEPLOYER.id, mappingIds: ["m-here"], accountId: HERE, idpValue: "ops" }),
      opt({ kind: "IDP_ROLE_VALUE", roleId: RUNNER.id, mappingIds: ["m-org"], idpValue: "Runners" }),
    ]);
  });

  it("names every mapping in scope that keeps a carrying default role off", () => {
    const { graph, grantors } = scenario({
      idpRoleValues: ["Viewer", "e\u0301diteur"],
      mappings: [mapping("m-2", "VIEWER", VIEWER.id), mapping("m-1", "éditeur", VIEWER.id, HERE), mapping("m-far", "viewer", VIEWER.id, ELSEWHERE)],
      defaultRoleId: MEMBER.id,
    });
    const analysis = analyseWhyNot(graph, "deploy.run", grantors);
    expect(analysis.options.filter((o) => o.kind === "DEFAULT_ROLE_SUPPRESSED")).toEqual([opt({ kind: "DEFAULT_ROLE_SUPPRESSED", roleId: MEMBER.id, mappingIds: ["m-1", "m-2"] })]);
    // Acting on it: without the named mappings the default role applies.
    const without = { ...graph, mappings: graph.mappings.filter((m) => m.id === "m-far") };
    expect(hasPermission(resolveEffectiveAccess(without), "deploy.run")).toBe(true);
  });

  it("says only INACTIVE when reactivating would grant the permission", () => {
    const options = optionsOf({ active: false, bindings: [userBinding("b1", RUNNER.id, HERE)], groupBindings: [groupBinding("b-eng", DEPLOYER.id, "g-eng", null)] });
    expect(options).toEqual([opt({ kind: "INACTIVE", roleId: RUNNER.id })]);
  });

  it("marks every way as needing reactivation when reactivating alone would not grant it", () => {
    const options = optionsOf({ active: false, bindings: [userBinding("b1", VIEWER.id, HERE)] });
    expect(options).toEqual(bindUserOptions.map((o) => ({ ...o, needsReactivation: true })));
  });

  it("offers nothing when no role carries the permission (no `*` role either)", () => {
    const { graph, grantors } = scenario({});
    const analysis = analyseWhyNot(graph, "nobody.has-this", { ...grantors, roles: ALL.filter((r) => r !== OWNER) });
    expect(analysis).toMatchObject({ allowed: false, rolesWithPermission: [], options: [] });
  });

  it("orders by kind, then by ids", () => {
    const a = opt({ kind: "JOIN_GROUP", roleId: "r-2", groupId: "g-1" });
    const b = opt({ kind: "JOIN_GROUP", roleId: "r-1", groupId: "g-2" });
    const c = opt({ kind: "BOUND_ON_OTHER_ACCOUNT", roleId: "r-9" });
    expect([a, b, c].sort(compareOptions)).toEqual([c, b, a]);
  });
});

describe("why-not sentences", () => {
  const names: WhyNotNames = {
    permission: "deploy.run", accountId: HERE,
    role: (id) => ALL.find((r) => r.id === id)?.key ?? id,
    group: (id) => ({ "g-eng": "Engineering" })[id] ?? id,
    account: (id) => ({ [HERE]: "production", [ELSEWHERE]: "staging" })[id] ?? id,
    mappingValue: (id) => ({ "m-1": "viewer" })[id] ?? null,
  };

  it("tells what to do with the names of what to act on", () => {
    expect(describeOption(opt({ kind: "JOIN_GROUP", roleId: DEPLOYER.id, groupId: "g-eng", bindingId: "b-eng" }), names))
      .toBe(`Add the user to group "Engineering" (or to any group nested in it): binding b-eng grants its members role "deployer" for the whole organization.`);
    expect(describeOption(opt({ kind: "BIND_USER", roleId: RUNNER.id, accountId: HERE, needsReactivation: true }), names))
      .toBe(`Bind role "runner" to the user on account "production" (or for the whole organization); the user must also be reactivated, as it is inactive.`);
    expect(describeOption(opt({ kind: "DEFAULT_ROLE_SUPPRESSED", roleId: MEMBER.id, mappingIds: ["m-1"] }), names)).toContain(`mapping m-1 ("viewer") matches: remove it`);
  });

  it("sums the answer up in one sentence", () => {
    const { graph, grantors } = scenario({});
    const withoutOwner = { ...grantors, roles: ALL.filter((r) => r !== OWNER) };
    expect(summarize(analyseWhyNot(graph, "nobody.has-this", withoutOwner), { ...names, permission: "nobody.has-this" }))
      .toBe("Denied: no role of the organization carries nobody.has-this: create a role with it, or add it to a role.");
    const inactive = scenario({ active: false, bindings: [userBinding("b1", RUNNER.id, HERE)] });
    expect(summarize(analyseWhyNot(inactive.graph, "deploy.run", inactive.grantors), names))
      .toBe(`Denied because the user is inactive: reactivating it would grant deploy.run through role "runner".`);
  });
});
