import { USER_ATTRIBUTE_ENTRIES, type GraphInput, type UserAttributes } from "../../domain/ports/user-attributes";
import type { MultiValue } from "../../domain/model";
import type { ContactValueInput, UserAttributesInput } from "./user.input";

/**
 * GraphQL user input → domain attributes, for every entry of domain/ports/user-attributes.ts with
 * a `graphql.input` (user.input.ts declares those fields): left-out fields stay undefined
 * (unchanged); a null list clears it.
 */
export function userAttributesFromInput(input: UserAttributesInput): Partial<UserAttributes> {
  const fields = input as Record<string, unknown>;
  const attributes: Record<string, unknown> = {};
  for (const [name, entry] of USER_ATTRIBUTE_ENTRIES) {
    const exposure = entry.graphql?.input;
    if (!exposure) continue;
    const value = fields[exposure.name ?? name];
    if (value === undefined) continue;
    attributes[name] = entry.kind === "valueList" ? valueListFromInput(value as unknown[] | null, exposure.elements) : value;
  }
  return attributes as Partial<UserAttributes>;
}

function valueListFromInput(values: unknown[] | null, elements: GraphInput["elements"]): MultiValue[] {
  const list = values ?? [];
  if (elements === "contactValue") return (list as ContactValueInput[]).map(contactValue);
  // IdP role values arrive as plain strings; SCIM keeps each as `{ value }`.
  if (elements === "value") return (list as string[]).map((value) => ({ value }));
  return list as MultiValue[];
}

function contactValue(input: ContactValueInput): MultiValue {
  const value: MultiValue = { value: input.value };
  if (input.type != null) value.type = input.type;
  if (input.primary != null) value.primary = input.primary;
  if (input.display != null) value.display = input.display;
  return value;
}
