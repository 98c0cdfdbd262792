/**
 * Peer ceiling: SCIMMY (the closest TypeScript SCIM server) as its README sets it up: express,
 * scimmy-routers at /scim/v2, and the User resource's ingress/egress/degress handlers over a Map.
 * It authenticates every request as idgraph does, minus the database: the bearer token's SHA-256
 * compared in constant time with the one it was given. What idgraph loses against it on a write is
 * everything a write to disk costs. Run as a child:
 * `SCIMMY_PEER_TOKEN=… node dist/bench/ceilings/scimmy-server.js`.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import express from "express";
import SCIMMYRouters, { SCIMMY } from "scimmy-routers";

/** A user as the Map holds it: what ingress was given, plus the id and meta the server assigns. */
type StoredUser = Record<string, unknown> & { id: string; userName: string; meta: { resourceType: "User"; created: Date; lastModified: Date } };

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Throws unless the request carries `Authorization: Bearer <token>`; scimmy-routers answers a throw with 401. */
function bearerCheck(token: string) {
  const expected = sha256(token);
  return (request: express.Request): string => {
    const [scheme, presented] = (request.headers.authorization ?? "").split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !presented || !timingSafeEqual(sha256(presented), expected)) {
      throw new Error("send a SCIM token: Authorization: Bearer <token>");
    }
    // The id of the authenticated user, for /Me: a token belongs to no user here.
    return "";
  };
}

/**
 * The users, by id and by lower-cased userName. userName is unique regardless of case
 * (RFC 7643 §4.1.1: caseExact false), so the second Map is the uniqueness check. It also answers
 * `userName eq "…"` lookups: SCIMMY's own Filter.match compares strings case-sensitively, so an
 * IdP's lookup in another case (Okta, Entra ID, and the bench) would find nobody over the Map.
 */
const users = new Map<string, StoredUser>();
const idByUserName = new Map<string, string>();
const userNameKey = (userName: string) => userName.toLowerCase();

/**
 * SCIMMY's 404, as it raises it itself. It passes `null` for "no scimType" where its typings want a
 * string; an empty one is left out of the response the same way.
 */
const notFound = (id: string | undefined) => new SCIMMY.Types.Error(404, "", `Resource ${id} not found`);

/** The one expression `userName eq "…"`, as SCIMMY parses it: `[{ userName: ["eq", value] }]`. */
function userNameEquals(filter: SCIMMY.Types.Filter | undefined): string | undefined {
  if (!filter || filter.length !== 1) return undefined;
  const entries = Object.entries(filter[0] as Record<string, unknown>);
  if (entries.length !== 1 || entries[0][0].toLowerCase() !== "username") return undefined;
  const expression = entries[0][1];
  return Array.isArray(expression) && expression.length === 2 && String(expression[0]).toLowerCase() === "eq" && typeof expression[1] === "string" ? expression[1] : undefined;
}

SCIMMY.Resources.declare(SCIMMY.Resources.User)
  // POST (no id) creates; PUT and PATCH (an id) replace what is stored, keeping id and created.
  .ingress((resource, instance) => {
    const existing = resource.id ? users.get(resource.id) : undefined;
    if (resource.id && !existing) throw notFound(resource.id);
    const userName = String(instance.userName);
    const holder = idByUserName.get(userNameKey(userName));
    if (holder !== undefined && holder !== existing?.id) throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${userName} is already taken`);
    const now = new Date();
    // The instance is SCIMMY's sealed object of getters and setters; its JSON is the plain resource.
    const user: StoredUser = {
      ...(JSON.parse(JSON.stringify(instance)) as Record<string, unknown>),
      id: existing?.id ?? randomUUID(),
      userName,
      meta: { resourceType: "User", created: existing?.meta.created ?? now, lastModified: now },
    };
    if (existing) idByUserName.delete(userNameKey(existing.userName));
    users.set(user.id, user);
    idByUserName.set(userNameKey(userName), user.id);
    return user;
  })
  .egress((resource) => {
    if (resource.id) {
      const user = users.get(resource.id);
      if (!user) throw notFound(resource.id);
      return user;
    }
    const userName = userNameEquals(resource.filter);
    if (userName !== undefined) {
      const id = idByUserName.get(userNameKey(userName));
      return id === undefined ? [] : [users.get(id) as StoredUser];
    }
    const all = [...users.values()];
    return resource.filter ? resource.filter.match(all) : all;
  })
  .degress((resource) => {
    const user = resource.id ? users.get(resource.id) : undefined;
    if (!user) throw notFound(resource.id);
    users.delete(user.id);
    idByUserName.delete(userNameKey(user.userName));
  });

function main(): void {
  const token = process.env.SCIMMY_PEER_TOKEN;
  if (!token) throw new Error("SCIMMY_PEER_TOKEN is not set");
  const app = express();
  // Routers are built after the declaration above: scimmy-routers mounts only declared resources.
  app.use("/scim/v2", new SCIMMYRouters({ type: "bearer", handler: bearerCheck(token) }));
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (!address || typeof address === "string") throw new Error(`unexpected listen address ${String(address)}`);
    console.log(`LISTENING http://127.0.0.1:${address.port}`);
  });
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

main();
