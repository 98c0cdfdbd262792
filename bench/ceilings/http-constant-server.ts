/**
 * HTTP ceiling: fastify answering `GET /constant` with a fixed ~1 KB JSON body and nothing else,
 * so a scenario's requests per second can be read as a fraction of what fastify plus the load
 * generator manage on this machine. Run as a child: `node dist/bench/ceilings/http-constant-server.js`.
 */
import Fastify from "fastify";

/**
 * About 1 KB once serialised: a user-ish record, so the serialiser does the same kind of work
 * as on a real answer. It is returned as an object (not a pre-serialised string) because the real
 * server serialises every answer too.
 */
const CONSTANT_BODY = {
  id: "0193f0c2-7a1e-7cc3-9b55-6f1f2d0c9a41",
  userName: "ada.lovelace@example.com",
  displayName: "Ada Lovelace",
  active: true,
  emails: [{ value: "ada.lovelace@example.com", type: "work", primary: true }],
  roles: ["engineering", "analytics", "admin"],
  groups: Array.from({ length: 10 }, (_, i) => ({ id: `0193f0c2-7a1e-7cc3-9b55-6f1f2d0c9b${String(i).padStart(2, "0")}`, name: `group-${i}` })),
  meta: { resourceType: "User", created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-02T00:00:00.000Z", version: 'W/"1"' },
};

async function main(): Promise<void> {
  // Logger off: a log line per request would measure the logger, not the framework.
  const app = Fastify({ logger: false });
  app.get("/constant", async () => CONSTANT_BODY);
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
  console.log(`LISTENING ${address}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
