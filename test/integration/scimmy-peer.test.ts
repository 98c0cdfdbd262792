import { join } from "node:path";
import { startChild, type Child } from "../../bench/ceilings/child";
import { peerCredentials, seedPeer, verifyPeer } from "../../bench/ceilings/scimmy-peer";
import { oktaUser, scimHeaders } from "../../bench/scenarios/scim";
import { userNameOf } from "../../bench/seed";
import { ensureBuilt } from "../helpers/build";

/**
 * The bench holds scim.create to twice SCIMMY's POST rate: SCIMMY must be measured doing what a
 * SCIM server must do for that request, or the target means nothing.
 */
describe("the bench's SCIMMY peer (bench/ceilings/scimmy-server.ts)", () => {
  const credentials = peerCredentials();
  let peer: Child;
  const users = (path: string, init: RequestInit = {}) => fetch(`${peer.url}/scim/v2/Users${path}`, { headers: scimHeaders(credentials), ...init });
  const lookup = (userName: string) => users(`?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);

  beforeAll(async () => {
    ensureBuilt();
    peer = await startChild(join(__dirname, "..", "..", "dist", "bench", "ceilings", "scimmy-server.js"), { SCIMMY_PEER_TOKEN: credentials.scimToken });
  }, 180_000);
  afterAll(() => peer?.stop());

  it("creates Okta's user with 201, refuses its userName in another case with 409 uniqueness, finds it in another case", async () => {
    await expect(verifyPeer(peer.url, credentials)).resolves.toBeUndefined();
  });

  it("refuses a request without the token, or with another, with 401", async () => {
    const body = JSON.stringify(oktaUser("no-token@bench.test", 1));
    const without = await fetch(`${peer.url}/scim/v2/Users`, { method: "POST", headers: { "content-type": "application/scim+json" }, body });
    const wrong = await fetch(`${peer.url}/scim/v2/Users`, { method: "POST", headers: scimHeaders({ ...credentials, scimToken: "not-the-token" }), body });
    expect([without.status, wrong.status]).toEqual([401, 401]);
    expect(await (await lookup("no-token@bench.test")).json()).toMatchObject({ totalResults: 0 });
  });

  it("answers scim.lookup's request (upper case) for a seeded user", async () => {
    await seedPeer(peer.url, credentials, 20);
    const answer = await lookup(userNameOf(7).toUpperCase());
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ totalResults: 1, Resources: [{ userName: userNameOf(7), emails: [{ value: userNameOf(7) }] }] });
  });

  it("reads a user by id, deletes it, and then knows it no more", async () => {
    const created = (await (await users("", { method: "POST", body: JSON.stringify(oktaUser("deleted@bench.test", 2)) })).json()) as { id: string };
    expect((await users(`/${created.id}`)).status).toBe(200);
    expect((await users(`/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await users(`/${created.id}`)).status).toBe(404);
    expect(await (await lookup("deleted@bench.test")).json()).toMatchObject({ totalResults: 0 });
    // Its userName is free again.
    expect((await users("", { method: "POST", body: JSON.stringify(oktaUser("deleted@bench.test", 2)) })).status).toBe(201);
  });
});
