import fc from "fast-check";
import { accessChanges, accessMapOf, EVERY_OTHER_ACCOUNT, type AccessMap, type AccountAccessChange } from "../../src/access/access-map";
import { resolveEffectiveAccess } from "../../src/access/resolve";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../../src/access/types";

// ---------------------------------------------------------------------------------------------
// Hand-built graphs: one user, a few roles, accounts "acct-a" and "acct-b" that facts may name,
// and "acct-z" that no fact ever names (it must read as the "*" entry).
// ---------------------------------------------------------------------------------------------

const USER = "user-1";
const A = "acct-a";
const B = "acct-b";
const UNNAMED = "acct-z";

function role(id: string, key: string): RoleFact {
  return { id, key, name: key.toUpperCase(), permissions: [`${key}.use`] };
}

const ADMIN = role("r-admin", "admin");
const EDITOR = role("r-editor", "editor");
const MEMBER = role("r-member", "member");
const VIEWER = role("r-viewer", "viewer");
const ROLES = [ADMIN, EDITOR, MEMBER, VIEWER];

const onUser = (id: string, roleId: string, accountId: string | null = null): BindingFact =>
  ({ id, roleId, subject: { kind: "user", id: USER }, accountId });
const onGroup = (id: string, roleId: string, groupId: string, accountId: string | null = null): BindingFact =>
  ({ id, roleId, subject: { kind: "group", id: groupId }, accountId });
const mapping = (id: string, idpValue: string, roleId: string, accountId: string | null = null): MappingFact =>
  ({ id, idpValue, roleId, accountId });

type Graph = Omit<AccessSubgraph, "accountId">;

function graph(facts: Partial<Omit<Graph, "user" | "parentGroups">> & { active?: boolean; idpRoleValues?: string[]; parentGroups?: Record<string, string[]> } = {}): Graph {
  return {
    user: { id: USER, active: facts.active ?? true, idpRoleValues: facts.idpRoleValues ?? [] },
    directGroupIds: facts.directGroupIds ?? [],
    parentGroups: new Map(Object.entries(facts.parentGroups ?? {})),
    bindings: facts.bindings ?? [],
    mappings: facts.mappings ?? [],
    defaultRoleId: facts.defaultRoleId ?? null,
    roles: new Map(ROLES.map((r) => [r.id, r])),
  };
}

/** The role keys a map gives on an account: its own entry, or else the "*" entry. */
function keysOn(map: AccessMap, accountId: string): string[] | undefined {
  return (map.get(accountId) ?? map.get(EVERY_OTHER_ACCOUNT))?.map((r) => r.key);
}

// ---------------------------------------------------------------------------------------------

describe("accessMapOf", () => {
  // `on`: the role keys expected on "*", on A, on B and on UNNAMED (read through "*" when the map
  // has no entry). `entries`: accounts that must have an entry of their own besides "*".
  const cases: Array<{ name: string; graph: Graph; on: Record<string, string[]>; entries: string[] }> = [
    {
      name: "a direct binding on the organization grants everywhere, one on account A only there",
      graph: graph({ bindings: [onUser("b1", VIEWER.id), onUser("b2", EDITOR.id, A)] }),
      on: { "*": ["viewer"], [A]: ["editor", "viewer"], [B]: ["viewer"], [UNNAMED]: ["viewer"] },
      entries: [A],
    },
    {
      name: "a binding on a group reached through user ∈ G1 ⊂ G2 ⊂ G3, on the organization and on B",
      graph: graph({
        directGroupIds: ["G1"], parentGroups: { G1: ["G2"], G2: ["G3"] },
        bindings: [onGroup("b-g3", VIEWER.id, "G3"), onGroup("b-g2", ADMIN.id, "G2", B)],
      }),
      on: { "*": ["viewer"], [A]: ["viewer"], [B]: ["admin", "viewer"], [UNNAMED]: ["viewer"] },
      entries: [B],
    },
    {
      name: "a binding on a group the user cannot reach grants nothing, on any account",
      graph: graph({ directGroupIds: ["G1"], parentGroups: { GX: ["GY"] }, bindings: [onGroup("b-gy", ADMIN.id, "GY", A)] }),
      on: { "*": [], [A]: [], [B]: [], [UNNAMED]: [] },
      entries: [],
    },
    {
      name: "an organization-wide mapping matches an IdP value whatever its case and spaces, and keeps the default role off everywhere",
      graph: graph({ idpRoleValues: ["  ADMINS "], mappings: [mapping("m1", "Admins", ADMIN.id)], defaultRoleId: MEMBER.id }),
      on: { "*": ["admin"], [A]: ["admin"], [B]: ["admin"], [UNNAMED]: ["admin"] },
      entries: [],
    },
    {
      name: "a mapping scoped to A keeps the default role off on A only; unmatched mappings grant nothing",
      graph: graph({
        idpRoleValues: ["admins"],
        mappings: [mapping("m1", "ADMINS", ADMIN.id, A), mapping("m2", "editors", EDITOR.id, B), mapping("m3", "editors", EDITOR.id)],
        defaultRoleId: MEMBER.id,
      }),
      on: { "*": ["member"], [A]: ["admin"], [B]: ["member"], [UNNAMED]: ["member"] },
      entries: [A],
    },
    {
      name: "the default role applies everywhere when no mapping matches, beside bindings",
      graph: graph({ idpRoleValues: ["devs"], mappings: [mapping("m1", "admins", ADMIN.id)], bindings: [onUser("b1", EDITOR.id, B)], defaultRoleId: MEMBER.id }),
      on: { "*": ["member"], [A]: ["member"], [B]: ["editor", "member"], [UNNAMED]: ["member"] },
      entries: [B],
    },
    {
      name: "an inactive user has nothing anywhere, named accounts included",
      graph: graph({
        active: false, idpRoleValues: ["admins"], directGroupIds: ["G1"],
        bindings: [onUser("b1", VIEWER.id), onUser("b2", EDITOR.id, A), onGroup("b3", ADMIN.id, "G1", B)],
        mappings: [mapping("m1", "admins", ADMIN.id, A)], defaultRoleId: MEMBER.id,
      }),
      on: { "*": [], [A]: [], [B]: [], [UNNAMED]: [] },
      entries: [A, B],
    },
    {
      name: "a role granted by a direct binding, a group binding and a mapping counts once",
      graph: graph({
        idpRoleValues: ["editors"], directGroupIds: ["G1"],
        bindings: [onUser("b1", EDITOR.id), onGroup("b2", EDITOR.id, "G1", A), onUser("b3", EDITOR.id, A)],
        mappings: [mapping("m1", "Editors", EDITOR.id), mapping("m2", "EDITORS", EDITOR.id, A)],
      }),
      on: { "*": ["editor"], [A]: ["editor"], [B]: ["editor"], [UNNAMED]: ["editor"] },
      entries: [A],
    },
  ];

  it.each(cases)("$name", ({ graph: g, on, entries }) => {
    const map = accessMapOf(g);
    expect(map.has(EVERY_OTHER_ACCOUNT)).toBe(true);
    for (const accountId of entries) expect(map.has(accountId)).toBe(true);
    expect(map.has(UNNAMED)).toBe(false);
    const seen = Object.fromEntries(Object.keys(on).map((accountId) => [accountId, keysOn(map, accountId)]));
    expect(seen).toEqual(on);
  });

  it("agrees with resolveEffectiveAccess on every account, named or not, for random small graphs", () => {
    const pool = [A, B, "acct-c"];
    const groups = ["G1", "G2", "G3", "G4"];
    const roleIds = [...ROLES.map((r) => r.id), "r-unknown"];
    const values = ["admins", "ADMINS", " Admins ", "editors", "ops"];
    const scope = fc.constantFrom<string | null>(null, ...pool);
    const randomGraph = fc.record({
      active: fc.boolean(),
      idpRoleValues: fc.subarray(values),
      directGroupIds: fc.subarray(groups),
      parentGroups: fc.dictionary(fc.constantFrom(...groups), fc.subarray(groups), { maxKeys: 4 }),
      bindings: fc.array(fc.record({
        roleId: fc.constantFrom(...roleIds),
        subject: fc.oneof(
          fc.record({ kind: fc.constant("user" as const), id: fc.constantFrom(USER, "someone-else") }),
          fc.record({ kind: fc.constant("group" as const), id: fc.constantFrom(...groups) }),
        ),
        accountId: scope,
      }), { maxLength: 6 }),
      mappings: fc.array(fc.record({ idpValue: fc.constantFrom(...values), roleId: fc.constantFrom(...roleIds), accountId: scope }), { maxLength: 5 }),
      defaultRoleId: fc.option(fc.constantFrom(...roleIds)),
    }).map((r) => graph({
      ...r,
      bindings: r.bindings.map((b, i) => ({ id: `b${i}`, ...b })),
      mappings: r.mappings.map((m, i) => ({ id: `m${i}`, ...m })),
    }));

    fc.assert(fc.property(randomGraph, (g) => {
      const map = accessMapOf(g);
      for (const accountId of [...pool, UNNAMED]) {
        const fromMap = (map.get(accountId) ?? map.get(EVERY_OTHER_ACCOUNT))?.map((r) => r.id);
        expect(fromMap).toEqual(resolveEffectiveAccess({ ...g, accountId }).roles.map((granted) => granted.role.id));
      }
    }), { numRuns: 500 });
  });
});

// ---------------------------------------------------------------------------------------------

/** A map from [account, roles] pairs; "*" must be given (as a loader's map always has it). */
const accessMap = (entries: Record<string, RoleFact[]>): AccessMap => new Map(Object.entries(entries));
const NONE: AccessMap = new Map([[EVERY_OTHER_ACCOUNT, []]]);
const change = (accountId: string | null, gained: RoleFact[], lost: RoleFact[]): AccountAccessChange => ({ accountId, gained, lost });

describe("accessChanges", () => {
  const cases: Array<{ name: string; before: AccessMap; after: AccessMap; changes: AccountAccessChange[] }> = [
    {
      name: "no change gives nothing, even when one side names an account whose roles are its '*' roles",
      before: accessMap({ "*": [VIEWER], [A]: [EDITOR, VIEWER], [B]: [VIEWER] }),
      after: accessMap({ "*": [VIEWER], [A]: [EDITOR, VIEWER] }),
      changes: [],
    },
    {
      name: "a role gained on one account only",
      before: accessMap({ "*": [VIEWER] }),
      after: accessMap({ "*": [VIEWER], [A]: [ADMIN, VIEWER] }),
      changes: [change(A, [ADMIN], [])],
    },
    {
      name: "roles lost everywhere",
      before: accessMap({ "*": [VIEWER], [A]: [EDITOR, VIEWER] }),
      after: accessMap({ "*": [], [A]: [] }),
      changes: [change(null, [], [VIEWER]), change(A, [], [EDITOR, VIEWER])],
    },
    {
      name: "an account named only before is compared with the '*' roles after",
      before: accessMap({ "*": [VIEWER], [A]: [EDITOR, VIEWER], [B]: [] }),
      after: accessMap({ "*": [MEMBER, VIEWER] }),
      changes: [change(null, [MEMBER], []), change(A, [MEMBER], [EDITOR]), change(B, [MEMBER, VIEWER], [])],
    },
    {
      name: "an account named only after is compared with the '*' roles before",
      before: accessMap({ "*": [MEMBER] }),
      after: accessMap({ "*": [MEMBER], [B]: [ADMIN] }),
      changes: [change(B, [ADMIN], [MEMBER])],
    },
    {
      name: "'*' first, then account ids in ascending code-unit order, whatever the maps' order",
      before: accessMap({ "acct-9": [VIEWER], "acct-c": [VIEWER], "*": [EDITOR], "#legacy": [ADMIN] }),
      after: accessMap({ "acct-10": [ADMIN], "*": [], "acct-b": [VIEWER] }),
      // "#" sorts before "*" by code unit: "*" comes first by rule, not by luck.
      changes: [
        change(null, [], [EDITOR]),
        change("#legacy", [], [ADMIN]),
        change("acct-10", [ADMIN], [EDITOR]),
        change("acct-9", [], [VIEWER]),
        change("acct-b", [VIEWER], [EDITOR]),
        change("acct-c", [], [VIEWER]),
      ],
    },
    {
      name: "a user missing before (created) gains everything it has",
      before: NONE,
      after: accessMap({ "*": [MEMBER], [A]: [ADMIN] }),
      changes: [change(null, [MEMBER], []), change(A, [ADMIN], [])],
    },
    {
      name: "a user missing after (deleted) loses everything it had; an account where it had nothing is listed as unchanged",
      before: accessMap({ "*": [MEMBER, VIEWER], [A]: [ADMIN], [B]: [] }),
      after: NONE,
      // B is listed with no change: the entry for every other account (lost member, viewer) does not apply to it.
      changes: [change(null, [], [MEMBER, VIEWER]), change(A, [], [ADMIN]), change(B, [], [])],
    },
  ];

  it.each(cases)("$name", ({ before, after, changes }) => {
    expect(accessChanges(before, after)).toEqual(changes);
  });
});

describe("accessChanges lists an account the every-other-account change does not reach", () => {
  it("says a new default role reaches every account but the one where a scoped mapping keeps it off", () => {
    const role = (id: string) => ({ id, key: id, name: id, permissions: [] });
    const [admin, member] = [role("admin"), role("member")];
    const before = new Map([["*", []], ["prod", [admin]]]);
    const after = new Map([["*", [member]], ["prod", [admin]]]);
    expect(accessChanges(before, after)).toEqual([
      { accountId: null, gained: [member], lost: [] },
      { accountId: "prod", gained: [], lost: [] },
    ]);
  });
});
