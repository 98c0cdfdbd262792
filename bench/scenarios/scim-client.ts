import { Pool } from "undici";
import { SYNC_CONCURRENCY, SYNC_MEMBERS_PER_PATCH } from "../sizes";
import { scimHeaders, type Target } from "./scim";

/**
 * A scripted SCIM client as an IdP drives one, over one undici connection pool of
 * SYNC_CONCURRENCY connections: the sync and the big group send their requests through it.
 */
export interface ScimClient {
  /** Sends one request, reads the whole answer, fails on any status ≥ 300, returns the parsed body. */
  call(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<any>;
  /** Requests sent so far. */
  requests(): number;
  close(): Promise<void>;
}

export function openScimClient(target: Target): ScimClient {
  const pool = new Pool(target.url, { connections: SYNC_CONCURRENCY, pipelining: 1 });
  const headers = scimHeaders(target);
  let requests = 0;
  return {
    async call(method, path, body) {
      requests += 1;
      const response = await pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    requests: () => requests,
    close: () => pool.close(),
  };
}

/** Runs task(0 … count-1) with SYNC_CONCURRENCY in flight. */
export async function inParallel(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, count) }, worker));
}

/** POST /Groups as Okta's Push Groups sends it: the group created empty, its members PATCHed in after. */
export async function createEmptyGroup(client: ScimClient, displayName: string): Promise<string> {
  const group = await client.call("POST", "/scim/v2/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName, members: [] });
  return group.id as string;
}

/** The PATCHes that add `userIds` to a group, SYNC_MEMBERS_PER_PATCH members each, as Okta pushes them. */
export function addMemberPatches(userIds: string[]): unknown[] {
  const patches: unknown[] = [];
  for (let k = 0; k < userIds.length; k += SYNC_MEMBERS_PER_PATCH) {
    patches.push({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "add", path: "members", value: userIds.slice(k, k + SYNC_MEMBERS_PER_PATCH).map((value) => ({ value })) }],
    });
  }
  return patches;
}
