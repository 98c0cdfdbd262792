import { UnderscoreNamingStrategy } from "@mikro-orm/core";

/**
 * Besides the constants of columns.ts, the only names a filter writes into SQL text: the columns
 * of the user's attributes, the aliases its caller chose and the JSON keys of the schemas'
 * attributes. All are checked here, so that even a caller's mistake cannot put client text into SQL.
 */

const NAMING = new UnderscoreNamingStrategy();

/**
 * The column of a User property, named as the entity names it: by MikroORM's default naming
 * strategy (store/orm.ts sets none), `givenName` → `given_name`, `x509Certificates` →
 * `x509certificates`. The attributes of domain/ports/user-attributes.ts are columns by this name.
 */
export function userColumn(property: string): string {
  const column = NAMING.propertyToColumnName(property);
  if (!/^[a-z][a-z0-9_]*$/.test(column)) throw new Error(`not a column a filter may name: ${JSON.stringify(column)}`);
  return column;
}

export function assertAlias(alias: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`not a SQL alias: ${JSON.stringify(alias)}`);
  return alias;
}

/** Plain names only (the schemas' spelling, `primary`, `streetAddress`): a key can never close the quoted JSON path. */
export function assertJsonKey(key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) throw new Error(`not a JSON key a filter may name: ${JSON.stringify(key)}`);
  return key;
}
