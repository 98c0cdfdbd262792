import { Pool } from "undici";
import { SYNC_CONCURRENCY, SYNC_MEMBERS_PER_PATCH } from "../sizes";
import type { Target } from "./scim";

export interface SyncShape {
  users: number;
  groups: number;
  memberships: number;
}

export interface SyncResult {
  seconds: number;
  requests: number;
}

/**
 * scim.sync: an Okta-style initial sync over one undici connection pool. Okta looks each user up
 * by userName before creating it, then pushes each group (lookup, create empty, then PATCHes of
 * up to 100 members). `SYNC_CONCURRENCY` requests are in flight at a time.
 */
export async function scimSync(target: Target, shape: SyncShape, progress: (line: string) => void): Promise<SyncResult> {
  const pool = new Pool(target.url, { connections: SYNC_CONCURRENCY, pipelining: 1 });
  const headers = { authorization: `Bearer ${target.scimToken}`, "content-type": "application/scim+json" };
  let requests = 0;
  const call = async (method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<any> => {
    requests += 1;
    const response = await pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const started = performance.now();
  try {
    const userIds: string[] = new Array(shape.users);
    await inParallel(shape.users, async (i) => {
      const userName = `synced${i}@okta.test`;
      const found = await call("GET", `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      if (found.totalResults !== 0) throw new Error(`${userName} exists before the sync`);
      const created = await call("POST", "/scim/v2/Users", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName,
        name: { givenName: "Synced", familyName: `User ${i}` },
        emails: [{ primary: true, value: userName, type: "work" }],
        displayName: `Synced User ${i}`,
        externalId: `00u${i}`,
        active: true,
      });
      userIds[i] = created.id;
      if ((i + 1) % 1000 === 0) progress(`  users ${i + 1}/${shape.users}`);
    });

    const perGroup = Math.floor(shape.memberships / shape.groups);
    await inParallel(shape.groups, async (g) => {
      const displayName = `Okta Group ${g}`;
      await call("GET", `/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&excludedAttributes=members&startIndex=1&count=100`);
      const group = await call("POST", "/scim/v2/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName, members: [] });
      const members = Array.from({ length: perGroup }, (_, k) => userIds[(g * perGroup + k * 7) % userIds.length]);
      const unique = [...new Set(members)];
      for (let k = 0; k < unique.length; k += SYNC_MEMBERS_PER_PATCH) {
        await call("PATCH", `/scim/v2/Groups/${group.id}`, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "add", path: "members", value: unique.slice(k, k + SYNC_MEMBERS_PER_PATCH).map((value) => ({ value })) }],
        });
      }
      if ((g + 1) % 50 === 0) progress(`  groups ${g + 1}/${shape.groups}`);
    });
  } finally {
    await pool.close();
  }
  return { seconds: (performance.now() - started) / 1000, requests };
}

/** Runs task(0 … count-1) with SYNC_CONCURRENCY in flight. */
async function inParallel(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, count) }, worker));
}
