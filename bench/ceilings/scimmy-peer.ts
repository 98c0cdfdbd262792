/**
 * The parent's side of the SCIMMY peer (scimmy-server.ts): its token, the proof that it is a SCIM
 * server and not a fast 400, and its directory for the lookup. A peer that refused the bench's
 * body, or let a duplicate userName in, would be measured doing less than idgraph does.
 */
import { randomBytes } from "node:crypto";
import { userNameOf } from "../seed";
import { oktaUser, scimHeaders, type Credentials } from "../scenarios/scim";

/** The peer's bearer token, handed to the child in its environment as SCIMMY_PEER_TOKEN. */
export function peerCredentials(): Credentials {
  return { scimToken: randomBytes(24).toString("base64url"), apiKey: "" };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function send(url: string, credentials: Credentials, method: "GET" | "POST", path: string, body?: object): Promise<Answer> {
  const response = await fetch(`${url}/scim/v2${path}`, { method, headers: scimHeaders(credentials), body: body && JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const usersPath = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;

/**
 * Throws unless the peer answers as a SCIM server must: 201 with an id to the Okta body of
 * scim.create, 409 to the same userName in another case, and finds the user by that other case.
 */
export async function verifyPeer(url: string, credentials: Credentials): Promise<void> {
  const userName = "peer-check@bench.test";
  const expect = (what: string, answer: Answer, ok: boolean) => {
    if (!ok) throw new Error(`SCIMMY peer: ${what} was answered ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  const created = await send(url, credentials, "POST", "/Users", oktaUser(userName, 0));
  expect("POST /Users with scim.create's body", created, created.status === 201 && typeof created.body.id === "string" && created.body.userName === userName);
  const duplicate = await send(url, credentials, "POST", "/Users", oktaUser(userName.toUpperCase(), 0));
  expect("POST /Users of a taken userName in another case", duplicate, duplicate.status === 409 && duplicate.body.scimType === "uniqueness");
  const found = await send(url, credentials, "GET", usersPath(userName.toUpperCase()));
  expect("the lookup of a userName in another case", found, found.status === 200 && found.body.totalResults === 1);
}

/**
 * POSTs users `userNameOf(0)` … `userNameOf(count - 1)`, the names scim.lookup asks for, each
 * required to be answered 201. Over HTTP, so they go through SCIMMY's own validation and ingress.
 */
export async function seedPeer(url: string, credentials: Credentials, count: number, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const answer = await send(url, credentials, "POST", "/Users", oktaUser(userNameOf(i), i));
      if (answer.status !== 201) throw new Error(`SCIMMY peer: seeding ${userNameOf(i)} was answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
