import type { Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { findByName, type AttributeSchema } from "../schema";
import { noTargetFor, valueSelector } from "./filter";
import { isPlainObject } from "./parse";
import { findKey, setKey, type AttributeTarget } from "./path";
import type { PatchOpName } from "./types";
import { assertMutable, coerceAttributeValue, coerceElements, coerceSingle, mergeSubAttributes, sameValue, withoutNulls } from "./validate";

/**
 * The next value of a multi-valued attribute — or of a single-valued complex one addressed
 * through a value filter (`manager[value eq "…"]`, Azure AD; thomaspoignant/scim-patch #453) —
 * after one operation. Pure: returns new arrays and element objects, never edits `before`.
 * Returns undefined when no value is left (RFC 7644 §3.5.2.2: the attribute is then unassigned).
 */
export function nextMultiValue(op: PatchOpName, target: AttributeTarget, before: unknown, value: unknown): unknown {
  const single = !target.multiValued;
  const elements = before === undefined || before === null ? [] : Array.isArray(before) ? [...before] : [before];
  const change = target.valueFilter
    ? filtered(op, target, target.valueFilter, elements, value, single)
    : target.sub
      ? everyElement(op, target, elements, value)
      : whole(op, target, elements, value);
  const result = enforceSinglePrimary(target, change.elements, change.touched);
  if (single) return result[0];
  return result.length > 0 ? result : undefined;
}

interface Change {
  elements: unknown[];
  /** The elements this operation wrote; a `primary: true` among them wins (RFC 7643 §2.4). */
  touched: unknown[];
}

/** `emails`, no filter: add appends new values, replace swaps the list, remove clears it or removes the listed values. */
function whole(op: PatchOpName, target: AttributeTarget, elements: unknown[], value: unknown): Change {
  const { schema, display } = target;
  if (op === "remove") {
    if (value === undefined || value === null) return { elements: [], touched: [] };
    // Entra ID removes members by value list: {"op":"Remove","path":"members","value":[{"value":"id"}]}
    // (MicrosoftDocs/azure-docs #30826). The same shape on any multi-valued attribute removes only the listed values.
    const listed = coerceElements(schema, value, display);
    return { elements: elements.filter((e) => !listed.some((l) => isListed(target, e, l))), touched: [] };
  }
  if (value === null) return { elements: op === "replace" ? [] : elements, touched: [] }; // RFC 7643 §2.5
  const incoming = dedupe(target, coerceElements(schema, value, display));
  if (op === "replace") return { elements: incoming, touched: incoming };
  // RFC 7644 §3.5.2.1: add appends; a value the attribute already holds is not added twice.
  const added = incoming.filter((v) => !elements.some((e) => sameValue(schema, e, v)));
  return { elements: [...elements, ...added], touched: added };
}

/** `emails.value`, no filter: the sub-attribute of every element. */
function everyElement(op: PatchOpName, target: AttributeTarget, elements: unknown[], value: unknown): Change {
  if (op !== "remove" && elements.length === 0) {
    if (value === null) return { elements, touched: [] };
    const created = withSub(target, {}, value);
    return { elements: [created], touched: [created] };
  }
  const next = elements.map((e) => (op === "remove" || value === null ? withoutSub(target, e) : withSub(target, e, value)));
  return { elements: next.filter((e) => !isPlainObject(e) || Object.keys(e).length > 0), touched: op === "remove" ? [] : next };
}

/** `emails[type eq "work"]` or `emails[type eq "work"].value`. */
function filtered(op: PatchOpName, target: AttributeTarget, filter: Filter, elements: unknown[], value: unknown, single: boolean): Change {
  const { schema, display } = target;
  const selector = valueSelector(schema, filter, display);
  const matched = elements.map((e) => selector.matches(e));
  if (op === "remove") {
    // A filter that matches nothing removes nothing: IdPs retry removals and expect them to be
    // idempotent (Okta Push Groups, Entra ID with ?aadOptscim062020), so this is not noTarget.
    const next = elements.map((e, i) => (matched[i] && target.sub ? withoutSub(target, e) : e));
    return { elements: next.filter((e, i) => (target.sub ? !isPlainObject(e) || Object.keys(e).length > 0 : !matched[i])), touched: [] };
  }
  if (value === null && !target.sub) return { elements: elements.filter((_, i) => !matched[i]), touched: [] };
  if (!matched.includes(true)) {
    // Entra ID replaces emails[type eq "work"].value on a user who has no work e-mail and expects
    // one to be created (Captain-P-Goldfish/SCIM-SDK #416, #680; ssoready/ssoready #228).
    const seed = selector.seed();
    if (!seed || (single && elements.length > 0)) throw noTargetFor(display);
    if (value === null) return { elements, touched: [] };
    const created = target.sub ? withSub(target, seed, value) : withoutNulls({ ...seed, ...complexValue(target, value) });
    return { elements: [...elements, created], touched: [created] };
  }
  const touched: unknown[] = [];
  const next = elements.map((e, i) => {
    if (!matched[i]) return e;
    let written: unknown;
    if (target.sub) written = withSub(target, e, value);
    else if (op === "add") written = mergeSubAttributes(schema, isPlainObject(e) ? e : {}, complexValue(target, value), display) ?? {};
    else written = replaceElement(target, selector.seed(), value);
    touched.push(written);
    return written;
  });
  return { elements: next, touched };
}

/** RFC 7644 §3.5.2.3: matching values are replaced; the filter's own `eq` values are kept so the element stays addressable. */
function replaceElement(target: AttributeTarget, seed: Record<string, unknown> | null, value: unknown): unknown {
  return withoutNulls({ ...(seed ?? {}), ...complexValue(target, value) });
}

function complexValue(target: AttributeTarget, value: unknown): Record<string, unknown> {
  const coerced = target.schema ? coerceSingle(target.schema, value, target.display) : value;
  if (!isPlainObject(coerced)) throw ScimError.invalidValue(`"${target.display}" needs an object value.`);
  return coerced;
}

function withSub(target: AttributeTarget, element: unknown, value: unknown): unknown {
  const sub = subOf(target);
  const next: Record<string, unknown> = isPlainObject(element) ? { ...element } : {};
  const existing = findKey(next, sub.name);
  const after = value === null ? undefined : coerceAttributeValue(sub.schema, value, `${target.display}`);
  assertMutable(sub.schema, existing === undefined ? undefined : next[existing], after, target.display);
  setKey(next, sub.name, after);
  return next;
}

function withoutSub(target: AttributeTarget, element: unknown): unknown {
  if (!isPlainObject(element)) return element;
  const sub = subOf(target);
  const existing = findKey(element, sub.name);
  if (existing === undefined) return element;
  assertMutable(sub.schema, element[existing], undefined, target.display);
  const next = { ...element };
  delete next[existing];
  return next;
}

function subOf(target: AttributeTarget): { name: string; schema: AttributeSchema | null } {
  if (!target.sub) throw new Error(`no sub-attribute in ${target.display}`); // unreachable: callers check target.sub
  return target.sub;
}

/** Whether an existing element is one of the values listed for removal: by `value` when listed with one, else whole. */
function isListed(target: AttributeTarget, element: unknown, listed: unknown): boolean {
  const valueSub = target.schema ? findByName(target.schema.subAttributes ?? [], "value") ?? null : null;
  if (isPlainObject(listed) && isPlainObject(element) && valueSub) {
    const listedKey = findKey(listed, "value");
    const elementKey = findKey(element, "value");
    if (listedKey !== undefined) return elementKey !== undefined && sameValue(valueSub, element[elementKey], listed[listedKey]);
  }
  return sameValue(target.schema, element, listed);
}

function dedupe(target: AttributeTarget, values: unknown[]): unknown[] {
  return values.filter((v, i) => values.findIndex((w) => sameValue(target.schema, v, w)) === i);
}

/**
 * RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." RFC 7644
 * §3.5.2: setting it on one value sets it to false on the others.
 */
function enforceSinglePrimary(target: AttributeTarget, elements: unknown[], touched: unknown[]): unknown[] {
  const primarySub = target.schema ? findByName(target.schema.subAttributes ?? [], "primary") : undefined;
  if (!primarySub) return elements;
  const isPrimary = (e: unknown) => isPlainObject(e) && e.primary === true;
  const chosen = touched.filter(isPrimary);
  if (chosen.length > 1) throw ScimError.invalidValue(`"${target.display}": only one value may be primary (RFC 7643 §2.4).`);
  if (chosen.length === 0) return elements;
  return elements.map((e) => (isPrimary(e) && e !== chosen[0] && isPlainObject(e) ? { ...e, primary: false } : e));
}
