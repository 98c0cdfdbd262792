import type { Actor } from "../../src/domain/actor";
import { planBatch, pairKey, type BatchState, type ChangeOutcome, type MemberChange, type MemberSelection } from "../../src/domain/commands/membership-batch-plan";
import type { MemberFacts } from "../../src/domain/ports/records";
import { VersionMismatch } from "../../src/domain/versions";

// A group-committed batch of member changes (membership-batch.ts) is planned by planBatch: each
// change in order, against what the changes before it left, with the rules each obeys alone.

const ORG = "org-1";
const OTHER_ORG = "org-2";
const IDP: Actor = { kind: "scim_token", id: "token-1", organizationId: ORG, canWrite: true };
const ADMIN: Actor = { kind: "api_key", id: "key-1", organizationId: null, canWrite: true };
const OTHER_IDP: Actor = { kind: "scim_token", id: "token-2", organizationId: OTHER_ORG, canWrite: true };

const NONE: MemberSelection = { userIds: [], groupIds: [], anyIds: [] };
const ids = (...anyIds: string[]): MemberSelection => ({ ...NONE, anyIds });
const users = (...userIds: string[]): MemberSelection => ({ ...NONE, userIds });

function change(actor: Actor, add: MemberSelection, remove: MemberSelection = NONE, extra: Partial<MemberChange> = {}): MemberChange {
  return { actor, groupId: "g-1", add, remove, ...extra };
}

function state(overrides: Partial<BatchState> = {}): BatchState {
  const members = new Map<string, MemberFacts>([
    ["u-1", { kind: "user", organizationId: ORG, protectedFromScim: false }],
    ["u-2", { kind: "user", organizationId: ORG, protectedFromScim: false }],
    ["u-3", { kind: "user", organizationId: ORG, protectedFromScim: false }],
    ["u-hidden", { kind: "user", organizationId: ORG, protectedFromScim: true }],
    ["u-foreign", { kind: "user", organizationId: OTHER_ORG, protectedFromScim: false }],
    ["g-2", { kind: "group", organizationId: ORG, protectedFromScim: false }],
  ]);
  return {
    groups: new Map([
      ["g-1", { organizationId: ORG, version: 7, managedBy: "SCIM" as const }],
      ["g-admin", { organizationId: ORG, version: 1, managedBy: "ADMIN" as const }],
    ]),
    groupSyncOff: new Set(),
    members,
    existing: new Set([pairKey("g-1", "u-1")]),
    ...overrides,
  };
}

const applied = (outcome: ChangeOutcome) => {
  if (outcome.kind !== "applied") throw new Error(`expected applied, got ${outcome.kind}${outcome.kind === "failed" ? `: ${outcome.error.message}` : ""}`);
  return outcome;
};
const failure = (outcome: ChangeOutcome) => {
  if (outcome.kind !== "failed") throw new Error(`expected failed, got ${outcome.kind}`);
  return outcome.error as Error & { code?: string };
};

describe("planBatch", () => {
  it("gives each change that changes something the next version, and one that changes nothing the current one", () => {
    const plan = planBatch([change(IDP, ids("u-2")), change(IDP, ids("u-1")), change(IDP, ids("u-3"))], state());
    expect(plan.outcomes.map((o) => applied(o).version)).toEqual([8, 8, 9]);
    expect(applied(plan.outcomes[0]).added).toEqual({ userIds: ["u-2"], groupIds: [] });
    // u-1 was already a member: re-adding it (an IdP retrying) changes nothing.
    expect(applied(plan.outcomes[1]).added).toEqual({ userIds: [], groupIds: [] });
    expect(plan.inserts.map((r) => r.memberId).sort()).toEqual(["u-2", "u-3"]);
    expect(plan.deletes).toEqual([]);
  });

  it("lets each change see the ones before it: an add then a removal of one member writes nothing, yet both are outcomes of their own", () => {
    const plan = planBatch([change(IDP, ids("u-2")), change(IDP, NONE, ids("u-2")), change(IDP, NONE, ids("u-2"))], state());
    expect(applied(plan.outcomes[0]).added.userIds).toEqual(["u-2"]);
    expect(applied(plan.outcomes[1]).removed.userIds).toEqual(["u-2"]);
    // The third removal finds u-2 gone already.
    expect(applied(plan.outcomes[2]).removed.userIds).toEqual([]);
    expect(plan.outcomes.map((o) => applied(o).version)).toEqual([8, 9, 9]);
    expect(plan.inserts).toEqual([]);
    expect(plan.deletes).toEqual([]);
  });

  it("deletes a member that existed before the batch and is gone after it; removing a non-member is a no-op", () => {
    const plan = planBatch([change(IDP, NONE, ids("u-1", "u-3", "no-such-id"))], state());
    expect(applied(plan.outcomes[0]).removed.userIds).toEqual(["u-1"]);
    expect(plan.deletes).toEqual([{ groupId: "g-1", memberId: "u-1", kind: "user" }]);
  });

  it("refuses a version the client named once an earlier change of the batch moved it, and only that change", () => {
    const plan = planBatch([change(IDP, ids("u-2"), NONE, { ifVersion: 7 }), change(IDP, ids("u-3"), NONE, { ifVersion: 7 }), change(IDP, ids("u-3"), NONE, { ifVersion: 8 })], state());
    expect(applied(plan.outcomes[0]).version).toBe(8);
    expect(failure(plan.outcomes[1])).toBeInstanceOf(VersionMismatch);
    expect(applied(plan.outcomes[2]).version).toBe(9);
    expect(plan.inserts.map((r) => r.memberId).sort()).toEqual(["u-2", "u-3"]);
  });

  it("fails a change adding an id that is nothing in the group's organization, and writes none of that change", () => {
    const plan = planBatch([change(IDP, ids("u-2", "u-foreign")), change(IDP, ids("u-3"))], state());
    expect(failure(plan.outcomes[0]).message).toMatch(/no user or group with id u-foreign/);
    expect(plan.inserts.map((r) => r.memberId)).toEqual(["u-3"]);
  });

  it("names the kind a typed add asked for: a user id that is a group is a missing user", () => {
    const plan = planBatch([change(ADMIN, users("g-2"), NONE, { groupId: "g-admin" })], state());
    expect(failure(plan.outcomes[0]).code).toBe("NOT_FOUND");
    expect(failure(plan.outcomes[0]).message).toMatch(/user/);
  });

  it("hides users protected from SCIM from an IdP: adding one fails as unknown, removing one does nothing", () => {
    const existing = new Set([pairKey("g-1", "u-hidden")]);
    const plan = planBatch([change(IDP, ids("u-hidden")), change(IDP, NONE, ids("u-hidden"))], state({ existing }));
    expect(failure(plan.outcomes[0]).message).toMatch(/no user or group with id u-hidden/);
    expect(applied(plan.outcomes[1]).removed.userIds).toEqual([]);
    expect(plan.deletes).toEqual([]);
  });

  it("hands a change that nests a group to a transaction of its own (the cycle rule walks the committed graph)", () => {
    const plan = planBatch([change(IDP, ids("u-2", "g-2")), change(IDP, ids("u-3"))], state());
    expect(plan.outcomes[0].kind).toBe("alone");
    expect(plan.inserts.map((r) => r.memberId)).toEqual(["u-3"]);
  });

  it("keeps the rules of a change made alone: visibility, the sync-groups setting, the IdP's ownership", () => {
    const plan = planBatch([
      change(OTHER_IDP, ids("u-2")),
      change(IDP, ids("u-2"), NONE, { groupId: "missing" }),
      change(ADMIN, ids("u-2")),
      change(ADMIN, ids("u-2"), NONE, { groupId: "g-admin" }),
    ], state());
    expect(failure(plan.outcomes[0]).code).toBe("NOT_FOUND");
    expect(failure(plan.outcomes[1]).code).toBe("NOT_FOUND");
    // An admin may not change the members of a group the IdP manages.
    expect(failure(plan.outcomes[2]).message).toMatch(/identity provider/i);
    expect(applied(plan.outcomes[3]).version).toBe(2);
    const off = planBatch([change(IDP, ids("u-2"))], state({ groupSyncOff: new Set([ORG]) }));
    expect(failure(off.outcomes[0]).code).toBe("FORBIDDEN");
  });
});
