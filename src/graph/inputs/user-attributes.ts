import type { UserAttributes } from "../../domain/user-attributes";
import type { MultiValue } from "../../domain/model";
import type { ContactValueInput, UserAttributesInput } from "./user.input";

/** GraphQL user input → domain attributes: left-out fields stay undefined (unchanged). */
export function userAttributesFromInput(input: UserAttributesInput & { userName?: string }): Partial<UserAttributes> {
  const { emails, phoneNumbers, idpRoleValues, ...scalars } = input;
  const attributes: Partial<UserAttributes> = { ...scalars } as Partial<UserAttributes>;
  delete (attributes as Record<string, unknown>).organizationId;
  delete (attributes as Record<string, unknown>).id;
  delete (attributes as Record<string, unknown>).protectedFromScim;
  if (emails !== undefined) attributes.emails = (emails ?? []).map(contactValue);
  if (phoneNumbers !== undefined) attributes.phoneNumbers = (phoneNumbers ?? []).map(contactValue);
  if (idpRoleValues !== undefined) attributes.roles = (idpRoleValues ?? []).map((value) => ({ value }));
  return attributes;
}

function contactValue(input: ContactValueInput): MultiValue {
  const value: MultiValue = { value: input.value };
  if (input.type != null) value.type = input.type;
  if (input.primary != null) value.primary = input.primary;
  if (input.display != null) value.display = input.display;
  return value;
}
