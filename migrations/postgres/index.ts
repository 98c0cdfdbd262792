import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261130000051 } from "./Migration20261130000051";
import { Migration20261130025647 } from "./Migration20261130025647";
import { Migration20261130150937 } from "./Migration20261130150937";
import { Migration20261130180000 } from "./Migration20261130180000";
import { Migration20261201120000 } from "./Migration20261201120000";
import { Migration20261202090000 } from "./Migration20261202090000";

/**
 * Every PostgreSQL migration, in order: written for PostgreSQL from the same entities as the
 * SQLite ones (jsonb, boolean, timestamptz, text), so the first one creates today's whole schema.
 * Listed explicitly, as migrations/sqlite/index.ts explains.
 */
export const POSTGRES_MIGRATIONS: MigrationObject[] = [
  { name: "Migration20261130000051", class: Migration20261130000051 },
  { name: "Migration20261130025647", class: Migration20261130025647 },
  { name: "Migration20261130150937", class: Migration20261130150937 },
  { name: "Migration20261130180000", class: Migration20261130180000 },
  { name: "Migration20261201120000", class: Migration20261201120000 },
  { name: "Migration20261202090000", class: Migration20261202090000 },
];
