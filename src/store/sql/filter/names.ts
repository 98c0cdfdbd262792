/**
 * Besides the constants of columns.ts, the only names a filter writes into SQL text: the aliases
 * its caller chose and the JSON keys of the schemas' attributes. Both are checked here, so that
 * even a caller's mistake cannot put client text into SQL.
 */

export function assertAlias(alias: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`not a SQL alias: ${JSON.stringify(alias)}`);
  return alias;
}

/** Plain names only (the schemas' spelling, `primary`, `streetAddress`): a key can never close the quoted JSON path. */
export function assertJsonKey(key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) throw new Error(`not a JSON key a filter may name: ${JSON.stringify(key)}`);
  return key;
}
