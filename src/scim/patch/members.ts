import type { Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { isPlainObject } from "./parse";
import type { MembersTarget } from "./path";
import type { MemberRef, MembershipDelta, PatchOpName } from "./types";
import { describe } from "./validate";

/**
 * A Group's `members` under PATCH. The member list is never loaded (a group may have 50,000
 * members; WSO2 took minutes to add one to a 2,000-member role, identity-inbound-provisioning-scim2
 * #178): every operation on `members` is folded into a MembershipDelta the store applies as row
 * deletes and inserts.
 */
export function applyMembersOperation(builder: MembershipDeltaBuilder, op: PatchOpName, target: MembersTarget, value: unknown): void {
  const { display } = target;
  if (target.subName !== null) {
    // RFC 7643 §4.2: members.value, .type and .$ref are immutable and .display is readOnly.
    throw ScimError.mutability(`"${display}": a member's sub-attributes cannot be changed; remove the member and add it again.`);
  }
  if (target.valueFilter) {
    const selected = membersSelectedBy(target.valueFilter, display);
    // Okta Push Groups: {"op":"remove","path":"members[value eq \"id\"]"} — the member must really go
    // (goauthentik/authentik #24173, #25686 answered 200 and kept it).
    if (op === "remove") return builder.remove(selected);
    if (op === "add") return builder.add([...selected, ...(value === null ? [] : memberRefs(value, display))]);
    throw ScimError.mutability(`"${display}": replacing selected members would change immutable member references (RFC 7643 §4.2); remove and add instead.`);
  }
  switch (op) {
    case "add":
      return value === null ? undefined : builder.add(memberRefs(value, display));
    case "replace":
      // Okta's full membership push: {"op":"replace","path":"members","value":[…]}.
      return value === null ? builder.removeAll() : builder.replaceWith(memberRefs(value, display));
    case "remove":
      // RFC 7644 §3.5.2.2: no value removes every member. With a value list — Entra ID's shape,
      // {"op":"Remove","path":"members","value":[{"value":"id"}]} — only the listed members go
      // (MicrosoftDocs/azure-docs #30826; thomaspoignant/scim-patch #959; apache/directory-scimple #436).
      return value === undefined || value === null ? builder.removeAll() : builder.remove(memberRefs(value, display));
  }
}

/** Member references from a value: a list (or one) of `{"value": id, "type"?: "User" | "Group"}`; a bare id is accepted too. */
export function memberRefs(value: unknown, where: string): MemberRef[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (typeof item === "string" && item.trim() !== "") return { value: item };
    if (!isPlainObject(item)) throw ScimError.invalidValue(`"${where}" value [${i}] must be an object with a "value"; got ${describe(item)}.`);
    const id = pick(item, "value");
    if (typeof id !== "string" || id.trim() === "") throw ScimError.invalidValue(`"${where}" value [${i}] needs a non-empty string "value" (the member's id).`);
    const type = memberType(pick(item, "type"), `${where} value [${i}]`);
    return type ? { value: id, type } : { value: id };
  });
}

function memberType(type: unknown, where: string): MemberRef["type"] {
  if (type === undefined || type === null) return undefined;
  if (typeof type === "string" && type.toLowerCase() === "user") return "User";
  if (typeof type === "string" && type.toLowerCase() === "group") return "Group";
  throw ScimError.invalidValue(`"${where}": a member's "type" is "User" or "Group" (RFC 7643 §4.2); got ${describe(type)}.`);
}

/**
 * The members a value filter selects, found without loading the member list: `value eq "id"`,
 * several of them joined by `or`, optionally `and`-ed with `type eq "User"` / `"Group"`. Any other
 * filter would need the members loaded, so it is refused (RFC 7644 §3.12 invalidFilter: "the
 * specified attribute and filter comparison combination is not supported").
 */
function membersSelectedBy(filter: Filter, where: string): MemberRef[] {
  const selected = selection(filter);
  if (!selected) {
    throw ScimError.invalidFilter(`"${where}": members can be selected only by value eq "id" (joined with "or", optionally with type eq "User"/"Group").`);
  }
  return selected;
}

function selection(filter: Filter): MemberRef[] | null {
  if (filter.op === "eq" && memberAttribute(filter.attrPath) === "value" && typeof filter.compValue === "string") return [{ value: filter.compValue }];
  if (filter.op === "or") {
    const parts = filter.filters.map(selection);
    return parts.every((p): p is MemberRef[] => p !== null) ? parts.flat() : null;
  }
  if (filter.op === "and") {
    const isType = (f: Filter) => f.op === "eq" && memberAttribute(f.attrPath) === "type";
    const typeFilter = filter.filters.find(isType);
    const rest = filter.filters.filter((f) => !isType(f));
    if (filter.filters.length !== 2 || typeFilter?.op !== "eq" || rest.length !== 1) return null;
    const selected = selection(rest[0]);
    const type = typeof typeFilter.compValue === "string" ? memberType(typeFilter.compValue, "members filter") : undefined;
    return selected && type ? selected.map((ref) => ({ ...ref, type })) : null;
  }
  return null;
}

function memberAttribute(attrPath: string): string {
  return attrPath.toLowerCase().replace(/^members\./, "");
}

function pick(object: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : object[key];
}

/**
 * Folds membership operations, in request order, into one MembershipDelta (contract in types.ts).
 * Sequential semantics: "remove all, then add x" is `replaceWith [x]`; "add x, then remove x"
 * leaves x in `remove` (after both, x is not a member whether or not it was before); "remove x,
 * then add x" leaves x in `add`. Members are identified by id; a later reference's `type` wins.
 */
export class MembershipDeltaBuilder {
  private removeAllFirst = false;
  private replacement: Map<string, MemberRef> | null = null;
  private readonly added = new Map<string, MemberRef>();
  private readonly removed = new Map<string, MemberRef>();

  add(refs: MemberRef[]): void {
    for (const ref of refs) {
      if (this.removeAllFirst) {
        (this.replacement ??= new Map()).set(ref.value, ref);
      } else {
        this.removed.delete(ref.value);
        this.added.set(ref.value, ref);
      }
    }
  }

  remove(refs: MemberRef[]): void {
    for (const ref of refs) {
      if (this.removeAllFirst) {
        this.replacement?.delete(ref.value);
      } else {
        this.added.delete(ref.value);
        this.removed.set(ref.value, ref);
      }
    }
  }

  removeAll(): void {
    this.removeAllFirst = true;
    this.replacement = null;
    this.added.clear();
    this.removed.clear();
  }

  replaceWith(refs: MemberRef[]): void {
    this.removeAll();
    this.replacement = new Map();
    this.add(refs);
  }

  result(): MembershipDelta {
    return {
      add: [...this.added.values()],
      remove: [...this.removed.values()],
      removeAll: this.removeAllFirst,
      replaceWith: this.replacement ? [...this.replacement.values()] : null,
    };
  }
}
