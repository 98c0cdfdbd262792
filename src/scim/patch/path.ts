import type { Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { findByName, schemaAttributes, type AttributeSchema, type ResourceSchema } from "../schema";
import { isPlainObject } from "./parse";
import type { PatchPath, ScimResourceJson } from "./types";

/** What a PATCH path points at, once resolved against the resource type's schemas. */
export type Target = AttributeTarget | SchemaTarget | MembersTarget;

/** One attribute (optionally one sub-attribute of it) of the resource. */
export interface AttributeTarget {
  kind: "attribute";
  /** The path as sent, for error details. */
  display: string;
  /** The key of the extension object that holds the attribute; null for a core attribute. */
  extension: string | null;
  /** The key to write: the schema's canonical casing, or the name as sent for an attribute not modelled. */
  name: string;
  /** The attribute's schema; null when the server does not model it (kept and returned as sent). */
  schema: AttributeSchema | null;
  multiValued: boolean;
  valueFilter: Filter | null;
  sub: { name: string; schema: AttributeSchema | null } | null;
}

/** A whole schema's attributes: `urn:…:enterprise:2.0:User` as a path, or as a key of a no-path value. */
export interface SchemaTarget {
  kind: "schema";
  display: string;
  urn: string;
  core: boolean;
}

/** A Group's `members`: never loaded, turned into a membership delta (members.ts). */
export interface MembersTarget {
  kind: "members";
  display: string;
  valueFilter: Filter | null;
  subName: string | null;
}

/**
 * Resolves a parsed path. Attribute names are case-insensitive (RFC 7644 §3.10). A name that is not
 * URN-qualified is looked up in the core schema, then in the resource type's extensions (Azure AD
 * sends `manager[value eq "…"]` unqualified; thomaspoignant/scim-patch #453). A URN the server does
 * not know is an extension it keeps as sent: its attribute name follows the last ":".
 * `wholeSchemaValue` is true for a key of a no-path value whose value is an object: a URN key with
 * no modelled attribute after it then names a whole extension (RFC 7643 §3.3 resource layout).
 */
export function resolveTarget(
  resourceType: ResourceSchema,
  resource: ScimResourceJson,
  path: PatchPath,
  wholeSchemaValue: boolean,
): Target {
  const display = path.text;
  const split = splitSchemaUrn(resourceType, resource, path.attrPath, wholeSchemaValue);
  if (split.rest === null) {
    if (path.valueFilter || path.subAttr) throw ScimError.invalidPath(`"${display}" names a schema, not an attribute.`);
    return { kind: "schema", display, urn: split.urn, core: split.urn === resourceType.coreSchema };
  }
  const [name, subInPath] = split.rest.split(".");
  if (path.valueFilter && subInPath !== undefined) {
    throw ScimError.invalidPath(`"${display}": a sub-attribute goes after the value filter, as in emails[type eq "work"].value (RFC 7644 §3.5.2).`);
  }
  const subName = path.valueFilter ? path.subAttr : (subInPath ?? null);
  const located = locate(resourceType, split, name);
  if (resourceType.name === "Group" && located.extension === null && located.schema?.name === "members") {
    return { kind: "members", display, valueFilter: path.valueFilter, subName };
  }
  const schema = located.schema;
  if (schema && subName !== null && schema.type !== "complex") {
    throw ScimError.invalidPath(`"${display}": "${schema.name}" has no sub-attributes.`);
  }
  if (schema && path.valueFilter && schema.type !== "complex" && !schema.multiValued) {
    throw ScimError.invalidPath(`"${display}": a value filter needs a multi-valued or complex attribute (RFC 7644 §3.5.2).`);
  }
  const container = readContainer(resource, located.extension);
  const key = schema?.name ?? (container ? findKey(container, name) : undefined) ?? name;
  const current = container ? container[findKey(container, key) ?? key] : undefined;
  const sub = subName === null ? null : resolveSub(schema, subName, current);
  // An attribute not modelled is multi-valued when it holds an array, or is filtered and holds no object.
  const multiValued = schema ? schema.multiValued : Array.isArray(current) || (path.valueFilter !== null && !isPlainObject(current));
  return { kind: "attribute", display, extension: located.extension, name: key, schema, multiValued, valueFilter: path.valueFilter, sub };
}

interface SplitPath {
  /** The schema URN (canonical for a known schema, as sent otherwise); the core schema when unqualified. */
  urn: string;
  qualified: boolean;
  known: boolean;
  /** `name[.sub]` after the URN; null when the path is the URN itself. */
  rest: string | null;
}

function splitSchemaUrn(resourceType: ResourceSchema, resource: ScimResourceJson, attrPath: string, wholeSchemaValue: boolean): SplitPath {
  if (!/^urn:/i.test(attrPath)) return { urn: resourceType.coreSchema, qualified: false, known: true, rest: attrPath };
  const lower = attrPath.toLowerCase();
  const known = [resourceType.coreSchema, ...resourceType.extensionSchemas];
  const isKnownUrn = (u: string) => known.some((k) => k.toLowerCase() === u.toLowerCase());
  const declared = [...declaredSchemas(resource), ...Object.keys(resource)].filter((u) => /^urn:/i.test(u) && !isKnownUrn(u));
  // Longest URN first: an extension URN may extend another's prefix.
  const candidates = [...known, ...declared].sort((a, b) => b.length - a.length);
  for (const urn of candidates) {
    const isKnown = isKnownUrn(urn);
    if (lower === urn.toLowerCase()) return { urn, qualified: true, known: isKnown, rest: null };
    if (lower.startsWith(`${urn.toLowerCase()}:`)) return { urn, qualified: true, known: isKnown, rest: attrPath.slice(urn.length + 1) };
  }
  // An undeclared URN given an object in a no-path value is a whole extension (DESIGN: kept as sent).
  if (wholeSchemaValue) return { urn: attrPath, qualified: true, known: false, rest: null };
  const cut = attrPath.lastIndexOf(":");
  return { urn: attrPath.slice(0, cut), qualified: true, known: false, rest: attrPath.slice(cut + 1) };
}

function locate(resourceType: ResourceSchema, split: SplitPath, name: string): { extension: string | null; schema: AttributeSchema | null } {
  if (!split.known) return { extension: split.urn, schema: null };
  const isCore = split.urn === resourceType.coreSchema;
  const schema = findByName(schemaAttributes(split.urn), name) ?? null;
  if (schema || split.qualified || !isCore) return { extension: isCore ? null : split.urn, schema };
  const inExtensions = resourceType.extensionSchemas
    .map((urn) => ({ extension: urn, schema: findByName(schemaAttributes(urn), name) ?? null }))
    .filter((found) => found.schema !== null);
  return inExtensions.length === 1 ? inExtensions[0] : { extension: null, schema: null };
}

function resolveSub(schema: AttributeSchema | null, subName: string, current: unknown): { name: string; schema: AttributeSchema | null } {
  const sub = schema ? findByName(schema.subAttributes ?? [], subName) : undefined;
  if (sub) return { name: sub.name, schema: sub };
  const sample = Array.isArray(current) ? current.find(isPlainObject) : current;
  return { name: (isPlainObject(sample) ? findKey(sample, subName) : undefined) ?? subName, schema: null };
}

function declaredSchemas(resource: ScimResourceJson): string[] {
  const schemas = resource.schemas;
  return Array.isArray(schemas) ? schemas.filter((s): s is string => typeof s === "string") : [];
}

/** The existing key of `object` that matches `name` case-insensitively. */
export function findKey(object: Record<string, unknown>, name: string): string | undefined {
  if (name in object) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === wanted);
}

/** Sets `object[name]` (or deletes it when `value` is undefined), dropping keys that differ only in case. */
export function setKey(object: Record<string, unknown>, name: string, value: unknown): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key !== name && key.toLowerCase() === lower) delete object[key];
  if (value === undefined) delete object[name];
  else object[name] = value;
}

/** The object that holds a target's attribute: the resource itself, or its extension object. */
export function readContainer(resource: ScimResourceJson, extension: string | null): Record<string, unknown> | undefined {
  if (extension === null) return resource;
  const key = findKey(resource, extension);
  const container = key === undefined ? undefined : resource[key];
  return isPlainObject(container) ? container : undefined;
}

export function readAttribute(resource: ScimResourceJson, target: AttributeTarget): unknown {
  const container = readContainer(resource, target.extension);
  if (!container) return undefined;
  const key = findKey(container, target.name);
  return key === undefined ? undefined : container[key];
}

/**
 * Writes an attribute (undefined removes it). An extension object is created on first write and
 * its URN listed in `schemas`; it is dropped, and unlisted, once empty (RFC 7643 §3: `schemas`
 * names the extensions the resource carries).
 */
export function writeAttribute(resource: ScimResourceJson, target: AttributeTarget, value: unknown): void {
  const { extension } = target;
  if (extension === null) return setKey(resource, target.name, value);
  let container = readContainer(resource, extension);
  if (!container) {
    if (value === undefined) return;
    container = {};
  }
  setKey(container, target.name, value);
  setExtension(resource, extension, container);
}

/** Stores (or, when empty, removes) an extension object under its URN and keeps `schemas` in step. */
export function setExtension(resource: ScimResourceJson, urn: string, container: Record<string, unknown> | undefined): void {
  const empty = !container || Object.keys(container).length === 0;
  setKey(resource, urn, empty ? undefined : container);
  const schemas = resource.schemas;
  if (!Array.isArray(schemas)) return;
  const listed = schemas.filter((s) => typeof s === "string" && s.toLowerCase() === urn.toLowerCase());
  if (empty && listed.length > 0) resource.schemas = schemas.filter((s) => !listed.includes(s));
  if (!empty && listed.length === 0) resource.schemas = [...schemas, urn];
}
