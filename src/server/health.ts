import type { FastifyInstance } from "fastify";
import type { MikroORM } from "@mikro-orm/core";
import { databaseReady } from "../store/readiness";

/**
 * What a load balancer asks, unauthenticated and cheap, and told nothing beyond the answer:
 * `/healthz` — the process lives (it answers); `/readyz` — it can serve: the database answers and
 * its schema is at this code's latest migration (503 otherwise, without saying which).
 */
export function registerHealth(app: FastifyInstance, orm: MikroORM): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = await databaseReady(orm);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable" });
  });
}
