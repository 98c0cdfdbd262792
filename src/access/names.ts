/**
 * The identity of a name compared case-insensitively (userName, group displayName, role keys, IdP
 * role values): trimmed, in Unicode NFC so that "café" typed with a combining accent is the same
 * name as "café" typed with a precomposed one, then lower-cased. The unique keys the store indexes
 * and the role-mapping match of effective access both use this one function.
 */
export function foldName(value: string): string {
  return value.trim().normalize("NFC").toLowerCase();
}
