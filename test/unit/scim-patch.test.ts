import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ScimError } from "../../src/scim/errors";
import {
  applyPatch, parsePatchPath, parsePatchRequest, PATCH_OP_SCHEMA,
  type MemberRef, type MembershipDelta, type PatchOperation, type ScimResourceJson,
} from "../../src/scim/patch";
import { RESOURCE_SCHEMAS, type ResourceTypeName } from "../../src/scim/schema";

// ---------------------------------------------------------------------------------------------
// Fixture tables (test/fixtures/patch/*.json). A `source` or `expected` of "@name" refers to a
// resource in resources.json; `expectedChanges` is an RFC 7396 merge patch over the source
// (null deletes), so each case shows only what the PATCH changed.
// ---------------------------------------------------------------------------------------------

type Json = unknown;
const FIXTURES = join(__dirname, "..", "fixtures", "patch");
const load = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as T;
const RESOURCES = load<Record<string, ScimResourceJson>>("resources.json");

function resource(ref: Json): ScimResourceJson {
  if (typeof ref === "string" && ref.startsWith("@")) return structuredClone(RESOURCES[ref.slice(1)]);
  return structuredClone(ref as ScimResourceJson);
}

/** RFC 7396 JSON Merge Patch. */
function mergePatch(target: Json, patch: Json): Json {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, Json> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

interface TableCase {
  name: string;
  source: Json;
  ops: unknown[];
  expected?: Json;
  expectedChanges?: Json;
  delta?: MembershipDelta;
}

interface ReplayCase {
  name: string;
  cite: string;
  resourceType: ResourceTypeName;
  source: Json;
  body: unknown;
  expected: Json;
  delta?: MembershipDelta;
}

interface InvalidCase {
  name: string;
  resourceType: ResourceTypeName;
  source: Json;
  body: unknown;
  scimType: string;
  detail?: string;
}

const patchOp = (ops: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations: ops });
const NO_CHANGE: MembershipDelta = { add: [], remove: [], removeAll: false, replaceWith: null };

function run(resourceType: ResourceTypeName, source: ScimResourceJson, body: unknown) {
  return applyPatch(source, parsePatchRequest(body), RESOURCE_SCHEMAS[resourceType]);
}

function expectedOf(c: { source: Json; expected?: Json; expectedChanges?: Json }): Json {
  return c.expected !== undefined ? resource(c.expected) : mergePatch(resource(c.source), c.expectedChanges ?? {});
}

function scimErrorOf(thunk: () => unknown): ScimError {
  try {
    thunk();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error("expected a ScimError, but the call succeeded");
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

describe("applyPatch on users (RFC 7644 §3.5.2)", () => {
  it.each(load<TableCase[]>("user-patches.json"))("$name", (c) => {
    const result = run("User", resource(c.source), patchOp(c.ops));
    expect(result.resource).toEqual(expectedOf(c));
    expect(result.membershipDelta).toEqual(NO_CHANGE);
  });
});

describe("applyPatch on groups: members come out as a delta", () => {
  it.each(load<TableCase[]>("group-patches.json"))("$name", (c) => {
    const result = run("Group", resource(c.source), patchOp(c.ops));
    expect(result.resource).toEqual(expectedOf(c));
    expect(result.resource).not.toHaveProperty("members");
    expect(result.membershipDelta).toEqual(c.delta);
  });
});

describe("replays of real Entra ID and Okta request bodies", () => {
  it.each(load<ReplayCase[]>("idp-replays.json"))("$name", (c) => {
    const result = run(c.resourceType, resource(c.source), c.body);
    expect(result.resource).toEqual(resource(c.expected));
    expect(result.membershipDelta).toEqual(c.delta ?? NO_CHANGE);
  });
});

describe("invalid requests answer the right scimType", () => {
  it.each(load<InvalidCase[]>("invalid-patches.json"))("$name → $scimType", (c) => {
    const error = scimErrorOf(() => run(c.resourceType, resource(c.source), c.body));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(c.scimType);
    if (c.detail) expect(error.message).toContain(c.detail);
  });
});

// ---------------------------------------------------------------------------------------------

describe("parsePatchRequest", () => {
  it("lower-cases op names once, whatever the IdP's casing", () => {
    const ops = parsePatchRequest(patchOp([
      { op: "Add", path: "title", value: "a" },
      { op: "REPLACE", path: "title", value: "b" },
      { op: "Remove", path: "title" },
    ]));
    expect(ops.map((o) => o.op)).toEqual(["add", "replace", "remove"]);
  });

  it("accepts message attribute names in any case (RFC 7644 §3.10)", () => {
    const ops = parsePatchRequest({ Schemas: [PATCH_OP_SCHEMA.toUpperCase()], operations: [{ OP: "add", Path: "title", Value: "x" }] });
    expect(ops).toEqual([{ op: "add", path: { text: "title", attrPath: "title", valueFilter: null, subAttr: null }, value: "x" }]);
  });

  it("parses a value path into attribute, scim2-parse-filter AST and sub-attribute", () => {
    expect(parsePatchPath('emails[type eq "work" and value co "]"].value')).toEqual({
      text: 'emails[type eq "work" and value co "]"].value',
      attrPath: "emails",
      valueFilter: {
        op: "and",
        filters: [
          { op: "eq", attrPath: "type", compValue: "work" },
          { op: "co", attrPath: "value", compValue: "]" },
        ],
      },
      subAttr: "value",
    });
  });

  it("keeps a URN-qualified path whole, dots in the URN included", () => {
    expect(parsePatchPath("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value").attrPath)
      .toBe("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
  });

  it("treats a null path on add as no path", () => {
    expect(parsePatchRequest(patchOp([{ op: "add", path: null, value: { title: "x" } }]))[0].path).toBeNull();
  });

  it("names the failing operation in the error detail", () => {
    const error = scimErrorOf(() => parsePatchRequest(patchOp([{ op: "add", path: "title", value: "x" }, { op: "jump" }])));
    expect(error.message).toMatch(/^Operations\[1\]: /);
  });
});

describe("purity and atomicity", () => {
  const babs = () => resource("@babs");
  const ops = (raw: unknown[]): PatchOperation[] => parsePatchRequest(patchOp(raw));

  it("never mutates the input resource or the operations (both deep-frozen here)", () => {
    const input = deepFreeze(babs());
    const operations = deepFreeze(ops([
      { op: "add", path: "emails", value: [{ value: "new@example.com", primary: true }] },
      { op: "replace", path: "name.givenName", value: "Barb" },
      { op: "remove", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" },
    ]));
    const result = applyPatch(input, operations, RESOURCE_SCHEMAS.User);
    expect(input).toEqual(babs());
    expect(result.resource).not.toBe(input);
    expect((result.resource.name as Record<string, unknown>).givenName).toBe("Barb");
  });

  it("returns values that share nothing with the operations", () => {
    const operations = ops([{ op: "add", path: "emails", value: [{ value: "new@example.com" }] }]);
    const result = applyPatch(babs(), operations, RESOURCE_SCHEMAS.User);
    (result.resource.emails as Array<Record<string, unknown>>)[2].value = "changed";
    expect(operations[0].value).toEqual([{ value: "new@example.com" }]);
  });

  it("throws for the whole request when one operation is bad, leaving the input untouched", () => {
    const input = deepFreeze(babs());
    const operations = ops([
      { op: "replace", path: "displayName", value: "Changed" },
      { op: "add", path: "emails", value: [{ value: "x@example.com" }] },
      { op: "replace", path: "active", value: "maybe" },
    ]);
    const error = scimErrorOf(() => applyPatch(input, operations, RESOURCE_SCHEMAS.User));
    expect(error.scimType).toBe("invalidValue");
    expect(error.message).toMatch(/^Operations\[2\] \(replace active\): /);
    expect(input).toEqual(babs());
  });

  it("fails a whole group request when an operation after a members operation is bad", () => {
    const operations = ops([
      { op: "remove", path: "members" },
      { op: "replace", path: "id", value: "other" },
    ]);
    expect(scimErrorOf(() => applyPatch(resource("@group"), operations, RESOURCE_SCHEMAS.Group)).scimType).toBe("mutability");
  });
});

// ---------------------------------------------------------------------------------------------
// The delta contract: applying it (removeAll → replaceWith → remove → add) to any starting
// membership gives the same members as applying the operations one after another.
// ---------------------------------------------------------------------------------------------

type MemberOp = { kind: "add" | "remove"; ids: string[] } | { kind: "removeAll" } | { kind: "replace"; ids: string[] };

function toPatch(op: MemberOp): unknown {
  const refs = (ids: string[]) => ids.map((value) => ({ value }));
  switch (op.kind) {
    case "add":
      return { op: "add", path: "members", value: refs(op.ids) };
    case "remove":
      return op.ids.length === 1
        ? { op: "remove", path: `members[value eq "${op.ids[0]}"]` }
        : { op: "Remove", path: "members", value: refs(op.ids) };
    case "removeAll":
      return { op: "remove", path: "members" };
    case "replace":
      return { op: "replace", path: "members", value: refs(op.ids) };
  }
}

function sequentially(start: Set<string>, ops: MemberOp[]): Set<string> {
  const members = new Set(start);
  for (const op of ops) {
    if (op.kind === "add") op.ids.forEach((id) => members.add(id));
    if (op.kind === "remove") op.ids.forEach((id) => members.delete(id));
    if (op.kind === "removeAll") members.clear();
    if (op.kind === "replace") {
      members.clear();
      op.ids.forEach((id) => members.add(id));
    }
  }
  return members;
}

function applyDelta(start: Set<string>, delta: MembershipDelta): Set<string> {
  const members = new Set(start);
  const ids = (refs: MemberRef[]) => refs.map((r) => r.value);
  if (delta.removeAll) members.clear();
  if (delta.replaceWith) ids(delta.replaceWith).forEach((id) => members.add(id));
  ids(delta.remove).forEach((id) => members.delete(id));
  ids(delta.add).forEach((id) => members.add(id));
  return members;
}

describe("membership delta reproduces sequential semantics", () => {
  // A small deterministic PRNG (mulberry32) so failures are reproducible.
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const IDS = ["u1", "u2", "u3", "g1"];

  it("for 500 random operation sequences over several starting memberships", () => {
    const next = random(20240601);
    const pick = () => IDS.filter(() => next() < 0.4);
    for (let run = 0; run < 500; run++) {
      const ops: MemberOp[] = Array.from({ length: 1 + Math.floor(next() * 6) }, (): MemberOp => {
        const roll = next();
        if (roll < 0.35) return { kind: "add", ids: pick() };
        if (roll < 0.7) return { kind: "remove", ids: [IDS[Math.floor(next() * IDS.length)]] };
        if (roll < 0.8) return { kind: "remove", ids: pick() };
        if (roll < 0.9) return { kind: "removeAll" };
        return { kind: "replace", ids: pick() };
      }).filter((op) => op.kind === "removeAll" || op.kind === "replace" || op.ids.length > 0);
      if (ops.length === 0) continue;
      const { membershipDelta: delta } = run_("Group", ops.map(toPatch));
      if (delta.replaceWith !== null) expect(delta.removeAll).toBe(true);
      if (delta.removeAll) expect([delta.add, delta.remove]).toEqual([[], []]);
      expect(delta.add.filter((a) => delta.remove.some((r) => r.value === a.value))).toEqual([]);
      for (const start of [[], ["u1"], ["u1", "u2", "g1"], IDS]) {
        expect([...applyDelta(new Set(start), delta)].sort()).toEqual([...sequentially(new Set(start), ops)].sort());
      }
    }
  });

  function run_(type: ResourceTypeName, ops: unknown[]) {
    return run(type, resource("@group"), patchOp(ops));
  }
});
