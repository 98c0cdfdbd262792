import { ScimError } from "../errors";
import { findByName, schemaAttributes, type ResourceSchema } from "../schema";
import { applyMembersOperation, MembershipDeltaBuilder } from "./members";
import { nextMultiValue } from "./multi-valued";
import { inOperation, isPlainObject, parsePatchPath } from "./parse";
import {
  findKey, readAttribute, readContainer, resolveTarget, setExtension, setKey, writeAttribute,
  type AttributeTarget, type SchemaTarget,
} from "./path";
import type { PatchOpName, PatchOperation, PatchPath, PatchResult, ScimResourceJson } from "./types";
import { assertMutable, coerceAttributeValue, coerceSingle, mergeSubAttributes } from "./validate";

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to one resource's SCIM JSON, in order. Pure: the
 * input resource and operations are never modified (both are deep-cloned first), and when any
 * operation fails the whole call throws — nothing half-applied escapes (RFC 7644 §3.5.2: "the
 * entire PATCH request SHALL be treated as atomic"). A Group's `members` are not in the resource;
 * operations on them come out as `membershipDelta` (see MembershipDelta for how to apply it).
 */
export function applyPatch(resource: ScimResourceJson, operations: PatchOperation[], resourceType: ResourceSchema): PatchResult {
  const state: PatchState = { resource: structuredClone(resource), resourceType, members: new MembershipDeltaBuilder() };
  structuredClone(operations).forEach((operation, index) => inOperation(index, operation, () => applyOperation(state, operation)));
  return { resource: state.resource, membershipDelta: state.members.result() };
}

interface PatchState {
  resource: ScimResourceJson;
  resourceType: ResourceSchema;
  members: MembershipDeltaBuilder;
}

function applyOperation(state: PatchState, operation: PatchOperation): void {
  if (operation.path) return applyAtPath(state, operation.op, operation.path, operation.value, false);
  // RFC 7644 §3.5.2.1 / §3.5.2.3 with no path: the value is a set of attributes of the resource.
  // Its keys may be paths themselves — Entra ID with ?aadOptscim062020 sends
  // {"name.givenName": "…", "urn:…:enterprise:2.0:User:employeeNumber": "…"} (MicrosoftDocs/entra-docs).
  applySchemaValue(state, operation.op, null, operation.value, "value");
}

function applyAtPath(state: PatchState, op: PatchOpName, path: PatchPath, value: unknown, fromObjectValue: boolean): void {
  const target = resolveTarget(state.resourceType, state.resource, path, fromObjectValue && isPlainObject(value));
  switch (target.kind) {
    case "members":
      return applyMembersOperation(state.members, op, target, value);
    case "schema":
      if (op === "remove") return removeSchema(state, target);
      return applySchemaValue(state, op, target, value, target.display);
    case "attribute":
      return applyAttribute(state.resource, op, target, value);
  }
}

/** A set of attributes: a no-path value (schema null) or the value of a whole-schema path such as `urn:…:enterprise:2.0:User`. */
function applySchemaValue(state: PatchState, op: PatchOpName, schema: SchemaTarget | null, value: unknown, where: string): void {
  if (value === null && schema && !schema.core && op === "replace") return removeSchema(state, schema);
  if (!isPlainObject(value)) throw ScimError.invalidValue(`"${where}" needs an object value naming attributes.`);
  for (const [key, attributeValue] of Object.entries(value)) {
    // `schemas` is derived from the attributes the resource carries (RFC 7643 §3); a value sent for it is ignored.
    if (!schema && key.toLowerCase() === "schemas") continue;
    const path = parsePatchPath(schema && !schema.core ? `${schema.urn}:${key}` : key);
    applyAtPath(state, op, path, attributeValue, !schema);
  }
}

function removeSchema(state: PatchState, target: SchemaTarget): void {
  if (target.core) throw ScimError.invalidPath(`"${target.display}" would remove the whole resource; name an attribute.`);
  const container = readContainer(state.resource, target.urn);
  for (const key of Object.keys(container ?? {})) {
    assertMutable(findByName(schemaAttributes(target.urn), key) ?? null, container?.[key], undefined, `${target.urn}:${key}`);
  }
  const canonical = findKey(state.resource, target.urn) ?? target.urn;
  setExtension(state.resource, canonical, undefined);
}

function applyAttribute(resource: ScimResourceJson, op: PatchOpName, target: AttributeTarget, value: unknown): void {
  const before = readAttribute(resource, target);
  // RFC 7643 §2.5: null means unassigned — replace with null clears; add with null adds nothing.
  if (op === "add" && value === null) return;
  const usesElements = target.multiValued || target.valueFilter !== null;
  const after = usesElements ? nextMultiValue(op, target, before, value) : nextSingleValue(op, target, before, value);
  assertMutable(target.schema, before, after, target.display);
  writeAttribute(resource, target, after);
}

/** A single-valued attribute (or one sub-attribute of a single-valued complex attribute). */
function nextSingleValue(op: PatchOpName, target: AttributeTarget, before: unknown, value: unknown): unknown {
  const clearing = op === "remove" || value === null;
  if (target.sub) {
    const next: Record<string, unknown> = isPlainObject(before) ? { ...before } : {};
    const key = findKey(next, target.sub.name);
    const subBefore = key === undefined ? undefined : next[key];
    const subAfter = clearing ? undefined : coerceAttributeValue(target.sub.schema, value, target.display);
    assertMutable(target.sub.schema, subBefore, subAfter, target.display);
    setKey(next, target.sub.name, subAfter);
    return Object.keys(next).length > 0 ? next : undefined;
  }
  if (clearing) return undefined; // RFC 7644 §3.5.2.2: a single-valued attribute is removed, whatever value came with it
  const schema = target.schema;
  const isComplex = schema ? schema.type === "complex" : isPlainObject(value) && (before === undefined || isPlainObject(before));
  if (!isComplex) return schema ? coerceSingle(schema, value, target.display) : value;
  const incoming = schema ? coerceSingle(schema, value, target.display) : value;
  if (!isPlainObject(incoming)) throw ScimError.invalidValue(`"${target.display}" needs an object value.`);
  return mergeComplex(target, before, incoming);
}

/**
 * A value for a single-valued complex attribute merges into it (validate.ts mergeSubAttributes).
 * A reference — a complex attribute with a `value`, like `manager` — that now points elsewhere
 * starts afresh instead, so the old manager's `$ref` and `displayName` do not linger.
 */
function mergeComplex(target: AttributeTarget, before: unknown, incoming: Record<string, unknown>): unknown {
  const current = isPlainObject(before) ? before : {};
  const isReference = findByName(target.schema?.subAttributes ?? [], "value") !== undefined;
  const newValueKey = findKey(incoming, "value");
  const oldValueKey = findKey(current, "value");
  const repointed = isReference && newValueKey !== undefined && (oldValueKey === undefined || current[oldValueKey] !== incoming[newValueKey]);
  return mergeSubAttributes(target.schema, repointed ? {} : current, incoming, target.display);
}
