import type { EntityManager } from "@mikro-orm/core";
import { PostgreSqlPlatform } from "@mikro-orm/postgresql";

export type DatabaseKind = "sqlite" | "postgres";

/** Which database an EntityManager speaks to, for the store's dialect choices. */
export function databaseKindOf(em: EntityManager): DatabaseKind {
  return em.getPlatform() instanceof PostgreSqlPlatform ? "postgres" : "sqlite";
}
