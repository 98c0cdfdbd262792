import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261125131937 } from "./Migration20261125131937";

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) so the same list
 * works from compiled JavaScript (`npm start`) and from TypeScript under jest.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: "Migration20261125131937", class: Migration20261125131937 },
];
