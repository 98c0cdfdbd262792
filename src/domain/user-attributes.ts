import type { MultiValue } from "../store/entities/user";

/**
 * Every attribute of a user that a client may set. Commands take a partial of it: a field that
 * is `undefined` is left alone, `null` clears it. SCIM PUT passes all of them (a full replace).
 */
export interface UserAttributes {
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
  formattedName: string | null;
  nickName: string | null;
  profileUrl: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  locale: string | null;
  timezone: string | null;
  emails: MultiValue[];
  phoneNumbers: MultiValue[];
  addresses: MultiValue[];
  photos: MultiValue[];
  ims: MultiValue[];
  roles: MultiValue[];
  entitlements: MultiValue[];
  x509Certificates: MultiValue[];
  enterprise: Record<string, unknown> | null;
  extra: Record<string, unknown> | null;
}

export const USER_ATTRIBUTE_NAMES: ReadonlyArray<keyof UserAttributes> = [
  "userName", "externalId", "active", "displayName", "givenName", "familyName", "middleName",
  "honorificPrefix", "honorificSuffix", "formattedName", "nickName", "profileUrl", "title", "userType",
  "preferredLanguage", "locale", "timezone", "emails", "phoneNumbers", "addresses", "photos", "ims",
  "roles", "entitlements", "x509Certificates", "enterprise", "extra",
];

/** The IdP role values of a user (SCIM `roles[].value`), which role mappings match. */
export function idpRoleValues(roles: MultiValue[]): string[] {
  return roles.map((r) => r.value).filter((v): v is string => typeof v === "string" && v.trim() !== "");
}
