import type { EntityClass, EntityManager } from "@mikro-orm/core";
import type { Row } from "./rows";

/**
 * A row of a hand-written statement as a managed entity of `em`: in its identity map, its
 * snapshot taken for change sets, an entity already there refreshed with the row, which is what
 * `em.map` does. This is the path MikroORM's own `find` takes (the entity factory, merging);
 * `em.map` adds a validation pass and a second merge, the cascade and the snapshot again, which cost
 * every SCIM request (its organization comes with its token) more than the rest of the mapping.
 */
export function managedEntity<T extends object>(em: EntityManager, entity: EntityClass<T>, row: Row): T {
  const data = em.getDriver().mapResult(row, em.getMetadata().get(entity.name)) as Record<string, unknown>;
  return em.getEntityFactory().create(entity, data as never, { merge: true, refresh: true, convertCustomTypes: true }) as T;
}
