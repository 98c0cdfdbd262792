import type { FastifyInstance } from "fastify";

export const PLAYGROUND_PATH = "/playground";

/** Placeholder until the GraphiQL page lands (being written in parallel). */
export async function playgroundPlugin(app: FastifyInstance, _options: { graphqlPath: string }): Promise<void> {
  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send("<!doctype html><title>idgraph</title>"));
}
