import type { EntityManager } from "@mikro-orm/core";
import type { Actor } from "../domain/actor";
import type { Loaders } from "./loaders";

/** Built for each GraphQL request: its own EntityManager fork, the authenticated actor, fresh loaders. */
export interface GraphContext {
  em: EntityManager;
  actor: Actor;
  loaders: Loaders;
}
