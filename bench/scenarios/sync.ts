import { addMemberPatches, createEmptyGroup, inParallel, openScimClient } from "./scim-client";
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
 * scim.sync: an Okta-style initial sync through one ScimClient (one connection pool). Okta looks
 * each user up by userName before creating it, then pushes each group (lookup, create empty, then
 * PATCHes of up to 100 members). `SYNC_CONCURRENCY` requests are in flight at a time.
 */
export async function scimSync(target: Target, shape: SyncShape, progress: (line: string) => void): Promise<SyncResult> {
  const client = openScimClient(target);
  const started = performance.now();
  try {
    const userIds: string[] = new Array(shape.users);
    await inParallel(shape.users, async (i) => {
      const userName = `synced${i}@okta.test`;
      const found = await client.call("GET", `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      if (found.totalResults !== 0) throw new Error(`${userName} exists before the sync`);
      const created = await client.call("POST", "/scim/v2/Users", {
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
      await client.call("GET", `/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&excludedAttributes=members&startIndex=1&count=100`);
      const groupId = await createEmptyGroup(client, displayName);
      const members = Array.from({ length: perGroup }, (_, k) => userIds[(g * perGroup + k * 7) % userIds.length]);
      for (const patch of addMemberPatches([...new Set(members)])) await client.call("PATCH", `/scim/v2/Groups/${groupId}`, patch);
      if ((g + 1) % 50 === 0) progress(`  groups ${g + 1}/${shape.groups}`);
    });
  } finally {
    await client.close();
  }
  return { seconds: (performance.now() - started) / 1000, requests: client.requests() };
}
