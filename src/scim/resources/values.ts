import type { MultiValue } from "../../domain/model";
import { ScimError } from "../errors";
import { findByName, type AttributeSchema } from "../schema";
import type { ScimJson } from "../types";

/**
 * Coercion of incoming SCIM values, tolerant where real IdPs are sloppy and strict where a
 * wrong type would corrupt data. Each tolerance names the IdP that needs it.
 */

/** Entra ID sends booleans as the strings "True" / "False". */
export function asBoolean(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw ScimError.invalidValue(`${field} must be a boolean`);
}

/**
 * RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once" in a
 * multi-valued attribute. Checked on a POST or PUT body as sent (a PATCH checks the values it
 * sets: patch/multi-valued.ts), so a stored user that already has two is still patchable.
 */
export function assertOnePrimaryEach(body: ScimJson): void {
  for (const [name, value] of Object.entries(body)) {
    if (!Array.isArray(value)) continue;
    const primaries = value.filter((item) => item !== null && typeof item === "object" && "primary" in item && asBoolean((item as MultiValue).primary, `${name}.primary`));
    if (primaries.length > 1) throw ScimError.invalidValue(`"${name}": only one value may be primary (RFC 7643 §2.4)`);
  }
}

export function asOptionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw ScimError.invalidValue(`${field} must be a string`);
  return value === "" ? null : value;
}

/**
 * A multi-valued attribute: an array of objects. A single object is taken as a list of one, and
 * plain strings as `{ value }` (some clients send `roles: ["admin"]`); `primary` is coerced.
 */
export function asMultiValued(value: unknown, field: string): MultiValue[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item === "string") return { value: item };
    if (!item || typeof item !== "object" || Array.isArray(item)) throw ScimError.invalidValue(`each element of ${field} must be an object`);
    const element: MultiValue = { ...(item as MultiValue) };
    if (element.primary !== undefined) element.primary = asBoolean(element.primary, `${field}.primary`);
    return element;
  });
}

export interface SplitAttributes {
  /** Core attributes the schema defines, under their canonical names (read-only ones dropped). */
  known: ScimJson;
  /** Declared extension objects, by canonical URN. */
  extensions: Record<string, ScimJson>;
  /** Everything else, as sent: kept and returned verbatim. */
  unknown: ScimJson;
}

const IGNORED_ON_INPUT = new Set(["schemas"]);

/**
 * Sorts a resource body's keys: core attributes (case-insensitive names), declared extensions,
 * and the rest. Read-only attributes (id, meta, groups…) are ignored as RFC 7644 §3.5.1 asks,
 * and write-only ones (password) are dropped, never stored.
 */
export function splitKnownAttributes(body: ScimJson, coreAttributes: AttributeSchema[], extensionUrns: string[]): SplitAttributes {
  const split: SplitAttributes = { known: {}, extensions: {}, unknown: {} };
  for (const [key, value] of Object.entries(body)) {
    if (IGNORED_ON_INPUT.has(key)) continue;
    const extension = extensionUrns.find((urn) => urn.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (value === null) continue;
      if (typeof value !== "object" || Array.isArray(value)) throw ScimError.invalidValue(`${extension} must be an object`);
      split.extensions[extension] = value as ScimJson;
      continue;
    }
    const attribute = findByName(coreAttributes, key);
    if (!attribute) {
      split.unknown[key] = value;
      continue;
    }
    if (attribute.mutability === "readOnly" || attribute.mutability === "writeOnly") continue;
    split.known[attribute.name] = value;
  }
  return split;
}
