import { ScimError } from "../errors";
import { findByName, type AttributeSchema } from "../schema";
import { isPlainObject } from "./parse";

/**
 * Value checks for PATCH: a value sent for an attribute is coerced to the attribute's schema type
 * (RFC 7643 §2.3) or refused with invalidValue, and a change is checked against the attribute's
 * mutability (RFC 7643 §2.2) or refused with mutability. A `null` schema means an attribute the
 * server does not model: its value is kept exactly as sent (DESIGN: unknown attributes are kept).
 */

/** Coerces one value of an attribute — an array for a multi-valued attribute — to its schema type. */
export function coerceAttributeValue(schema: AttributeSchema | null, value: unknown, where: string): unknown {
  if (!schema) return value;
  if (schema.multiValued) return coerceElements(schema, value, where);
  return coerceSingle(schema, value, where);
}

/** The elements of a multi-valued attribute; a lone value is taken as a one-element list. */
export function coerceElements(schema: AttributeSchema | null, value: unknown, where: string): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  const present = list.filter((v) => v !== null && v !== undefined); // RFC 7643 §2.5: null is unassigned
  if (!schema) return present;
  return present.map((v, i) => withoutNulls(coerceSingle(schema, v, `${where}[${i}]`)));
}

/** One value (or one element) of the attribute's type; a complex value keeps `null` sub-attributes as "clear this". */
export function coerceSingle(schema: AttributeSchema, value: unknown, where: string): unknown {
  switch (schema.type) {
    case "string":
    case "reference":
    case "binary":
      if (typeof value === "string") return value;
      break;
    case "dateTime":
      if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
      break;
    case "boolean":
      if (typeof value === "boolean") return value;
      // Entra ID without ?aadOptscim062020 sends `"value": "False"` for active
      // (MicrosoftDocs/entra-docs, application-provisioning-config-problem-scim-compatibility).
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
      break;
    case "integer":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      break;
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      break;
    case "complex":
      return coerceComplex(schema, value, where);
  }
  throw ScimError.invalidValue(`"${where}" must be ${article(schema.type)} ${schema.type}; got ${describe(value)}.`);
}

function coerceComplex(schema: AttributeSchema, value: unknown, where: string): Record<string, unknown> {
  // Entra ID sends the manager as a bare id: {"path": "urn:…:User:manager", "value": "abc"}
  // (Captain-P-Goldfish/SCIM-SDK #686). Any complex attribute with a `value` sub-attribute accepts it.
  if (typeof value === "string" && findByName(schema.subAttributes ?? [], "value")) return { value };
  if (!isPlainObject(value)) throw ScimError.invalidValue(`"${where}" must be an object; got ${describe(value)}.`);
  const out: Record<string, unknown> = {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findByName(schema.subAttributes ?? [], key);
    if (!sub) {
      out[key] = subValue; // not modelled: kept as sent
    } else if (sub.mutability !== "readOnly" || schema.mutability === "readOnly") {
      // RFC 7644 §3.5.1: readOnly sub-attributes inside a value are ignored (a client echoing
      // manager.displayName). Under a readOnly parent (meta, groups) they are kept, so that a change
      // is seen and refused.
      out[sub.name] = subValue === null || subValue === undefined ? null : coerceAttributeValue(sub, subValue, `${where}.${sub.name}`);
    }
  }
  return out;
}

/**
 * RFC 7644 §3.5.2.1 / §3.5.2.3: a value for a complex attribute sets the sub-attributes it names
 * (a `null` one is cleared) and leaves the others; each change is checked against the
 * sub-attribute's mutability. Returns a new object, or undefined when nothing is left.
 */
export function mergeSubAttributes(
  schema: AttributeSchema | null,
  base: Record<string, unknown>,
  incoming: Record<string, unknown>,
  where: string,
): Record<string, unknown> | undefined {
  const next = { ...base };
  for (const [key, value] of Object.entries(incoming)) {
    const sub = schema ? findByName(schema.subAttributes ?? [], key) ?? null : null;
    const existing = Object.keys(next).find((k) => k.toLowerCase() === key.toLowerCase());
    assertMutable(sub, existing === undefined ? undefined : next[existing], value ?? undefined, `${where}.${key}`);
    if (existing !== undefined) delete next[existing];
    if (value !== null && value !== undefined) next[sub?.name ?? key] = value;
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

/** Drops `null` sub-attributes from a new element (RFC 7643 §2.5: null means unassigned). */
export function withoutNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

/** RFC 7643 §2.5: unassigned, null and an empty array are the same state. */
export function isUnassigned(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * Compares two values the way the schema says they compare: names case-insensitively, strings
 * case-insensitively unless `caseExact` (RFC 7643 §2.2, §7). Values of an attribute the server does
 * not model compare exactly.
 */
export function sameValue(schema: AttributeSchema | null, a: unknown, b: unknown): boolean {
  if (isUnassigned(a) && isUnassigned(b)) return true;
  return JSON.stringify(comparable(schema, a)) === JSON.stringify(comparable(schema, b));
}

function comparable(schema: AttributeSchema | null, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => comparable(schema, v));
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]): [string, unknown] => {
        const sub = schema ? findByName(schema.subAttributes ?? [], k) : undefined;
        return [(sub?.name ?? k).toLowerCase(), comparable(sub ?? null, v)];
      });
    return entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  }
  if (typeof value === "string" && schema && !schema.caseExact) return value.toLowerCase();
  return value;
}

/**
 * RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability readOnly or
 * immutable. However, a client MAY add a value to an immutable attribute if the attribute had no
 * previous value." Writing the value an attribute already has is not a modification: Okta's group
 * rename sends the group's own `id` in the value (developer.okta.com SCIM 2.0 reference).
 */
export function assertMutable(schema: AttributeSchema | null, before: unknown, after: unknown, where: string): void {
  if (!schema || sameValue(schema, before, after)) return;
  // RFC 7644 §3.5.2.2: an attribute that is removed or becomes unassigned and is required or
  // readOnly fails with mutability.
  if (schema.required && isUnassigned(after)) {
    throw ScimError.mutability(`"${where}" is required and cannot be removed (RFC 7644 §3.5.2.2).`);
  }
  if (schema.mutability === "readOnly") {
    throw ScimError.mutability(`"${where}" is readOnly and cannot be changed (RFC 7643 §2.2).`);
  }
  if (schema.mutability === "immutable" && !isUnassigned(before)) {
    throw ScimError.mutability(`"${where}" is immutable: it may be set once but not changed (RFC 7643 §2.2).`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function article(type: string): string {
  return /^[aeiou]/i.test(type) ? "an" : "a";
}
