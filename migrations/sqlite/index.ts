import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261125131937 } from "./Migration20261125131937";
import { Migration20261125152500 } from "./Migration20261125152500";
import { Migration20261129212516 } from "./Migration20261129212516";
import { Migration20261130025646 } from "./Migration20261130025646";
import { Migration20261130150937 } from "./Migration20261130150937";
import { Migration20261130180000 } from "./Migration20261130180000";
import { Migration20261130220000 } from "./Migration20261130220000";
import { Migration20261201120000 } from "./Migration20261201120000";
import { Migration20261202090000 } from "./Migration20261202090000";

/**
 * Every SQLite migration, in order. Listed explicitly (not discovered from the folder) so the same list
 * works from compiled JavaScript (`npm start`) and from TypeScript under jest.
 */
export const SQLITE_MIGRATIONS: MigrationObject[] = [
  { name: "Migration20261125131937", class: Migration20261125131937 },
  { name: "Migration20261125152500", class: Migration20261125152500 },
  { name: "Migration20261129212516", class: Migration20261129212516 },
  { name: "Migration20261130025646", class: Migration20261130025646 },
  { name: "Migration20261130150937", class: Migration20261130150937 },
  { name: "Migration20261130180000", class: Migration20261130180000 },
  { name: "Migration20261130220000", class: Migration20261130220000 },
  { name: "Migration20261201120000", class: Migration20261201120000 },
  { name: "Migration20261202090000", class: Migration20261202090000 },
];
