import fc from "fast-check";
import { hostileJson, hostileString } from "./run";

/**
 * Mutations of recorded request bodies, as data (so fast-check can shrink and print them): each
 * names a node of the body by index among all its nodes, and what to do there. `serializeJson`
 * writes the result as text, which may hold what JSON.stringify never writes: a key twice, or
 * nesting thousands of levels deep.
 */

/** Text written into the body as it is (deep nesting, without recursion to build it). */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `<raw JSON, ${this.text.length} characters>`;
  }
}

/** An object whose entries are written in this order, a key possibly twice. */
export class EntriesJson {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

export type JsonMutation =
  | { kind: "drop"; at: number }
  | { kind: "replace"; at: number; value: unknown }
  | { kind: "duplicateKey"; at: number; value: unknown }
  | { kind: "addKey"; at: number; key: string; value: unknown }
  | { kind: "renameKey"; at: number; key: string }
  | { kind: "wrapInArray"; at: number }
  | { kind: "unwrap"; at: number }
  | { kind: "stringify"; at: number }
  | { kind: "numberForString"; at: number; value: number }
  | { kind: "deepNesting"; at: number; depth: number; shape: "array" | "object" };

/** Attribute names worth adding, renaming to, or colliding with. */
const KEYS = [
  "schemas", "id", "externalId", "userName", "USERNAME", "displayName", "name", "givenName", "emails", "members", "groups", "active",
  "roles", "meta", "password", "value", "type", "primary", "display", "$ref", "Operations", "op", "path", "manager",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:example:custom:1.0", "__proto__", "constructor", "", " ",
];

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: hostileJson }),
  fc.record({ kind: fc.constant("duplicateKey" as const), at: fc.nat(), value: hostileJson }),
  fc.record({ kind: fc.constant("addKey" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...KEYS), hostileString), value: hostileJson }),
  fc.record({ kind: fc.constant("renameKey" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...KEYS), hostileString) }),
  fc.record({ kind: fc.constant("wrapInArray" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("unwrap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("stringify" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("numberForString" as const), at: fc.nat(), value: fc.oneof(fc.integer(), fc.double({ noNaN: true })) }),
  fc.record({ kind: fc.constant("deepNesting" as const), at: fc.nat(), depth: fc.integer({ min: 2, max: 20_000 }), shape: fc.constantFrom("array" as const, "object" as const) }),
);

type Path = Array<string | number>;

/** Every node of a JSON value as a path from the root (the root itself first). */
function nodePaths(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((child, i) => nodePaths(child, [...path, i], into));
  else if (isPlainObject(value)) for (const [key, child] of Object.entries(value)) nodePaths(child, [...path, key], into);
  return into;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof RawJson) && !(value instanceof EntriesJson);
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

/** Replaces the node at `path` (the root when empty), returning the new root. */
function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]] = value;
  return root;
}

function removeAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return root;
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, unknown>)[key as string];
  return root;
}

function nested(depth: number, shape: "array" | "object", inner: string): RawJson {
  return shape === "array" ? new RawJson(`${"[".repeat(depth)}${inner}${"]".repeat(depth)}`) : new RawJson(`${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`);
}

/** Applies mutations in order to a copy of `body`. */
export function mutateJson(body: unknown, mutations: JsonMutation[]): unknown {
  let root = structuredClone(body);
  for (const mutation of mutations) {
    const paths = nodePaths(root);
    const path = paths[mutation.at % paths.length];
    const node = getAt(root, path);
    const parentPath = path.slice(0, -1);
    const parent = path.length > 0 ? getAt(root, parentPath) : undefined;
    switch (mutation.kind) {
      case "drop":
        root = removeAt(root, path);
        break;
      case "replace":
        root = setAt(root, path, structuredClone(mutation.value));
        break;
      case "duplicateKey":
        if (isPlainObject(parent)) {
          const key = path[path.length - 1] as string;
          root = setAt(root, parentPath, new EntriesJson([...Object.entries(parent), [key, structuredClone(mutation.value)]]));
        }
        break;
      case "addKey": {
        const target = isPlainObject(node) ? node : isPlainObject(parent) ? parent : null;
        if (target) Object.defineProperty(target, mutation.key, { value: structuredClone(mutation.value), enumerable: true, writable: true, configurable: true });
        break;
      }
      case "renameKey":
        if (isPlainObject(parent)) {
          const key = path[path.length - 1] as string;
          root = setAt(root, parentPath, new EntriesJson(Object.entries(parent).map(([k, v]) => [k === key ? mutation.key : k, v])));
        }
        break;
      case "wrapInArray":
        root = setAt(root, path, [node]);
        break;
      case "unwrap":
        if (Array.isArray(node)) root = setAt(root, path, node.length > 0 ? node[0] : {});
        else if (isPlainObject(node)) root = setAt(root, path, Object.values(node)[0] ?? null);
        break;
      case "stringify":
        root = setAt(root, path, serializeJson(node));
        break;
      case "numberForString":
        if (typeof node === "string" || typeof node === "boolean") root = setAt(root, path, mutation.value);
        break;
      case "deepNesting":
        root = setAt(root, path, nested(mutation.depth, mutation.shape, node === undefined ? "1" : serializeJson(node)));
        break;
    }
  }
  return root;
}

/** JSON text for a value that may hold RawJson and EntriesJson nodes. */
export function serializeJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof EntriesJson) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${serializeJson(v)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : serializeJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${serializeJson(v)}`).join(",")}}`;
  }
  return value === undefined ? "null" : (JSON.stringify(value) ?? "null");
}
