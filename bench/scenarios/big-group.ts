import { addMemberPatches, createEmptyGroup, inParallel, openScimClient } from "./scim-client";
import type { Target } from "./scim";

export interface BigGroupResult {
  members: number;
  /** Seconds from the first PATCH sent to the last one answered. */
  buildSeconds: number;
  patches: number;
  patchesPerSecond: number;
  membershipsPerSecond: number;
  /** GET /Groups/{id} with every member in the answer: GET_CONCURRENCY at once, GET_ROUNDS times; latencies in ms. */
  get: { requests: number; p50: number; max: number };
}

/** Reads of the full member list at once: a few, as an IdP's reconciliation and an admin's page might. */
const GET_CONCURRENCY = 4;
const GET_ROUNDS = 2;

/**
 * scim.bigGroup (issue 13, memory bounded): one group built over SCIM as Okta's Push Groups builds
 * it — created empty, then PATCHes of 100 members, SYNC_CONCURRENCY in flight — to `userIds.length`
 * members, then read whole, several at once. The users are seeded beforehand: their creation is
 * scim.sync's and scim.create's to measure, the group's growth and its reads are this one's.
 */
export async function scimBigGroup(target: Target, userIds: string[], progress: (line: string) => void): Promise<BigGroupResult> {
  const client = openScimClient(target);
  try {
    const groupId = await createEmptyGroup(client, "Big Group");
    const patches = addMemberPatches(userIds);
    const started = performance.now();
    await inParallel(patches.length, async (i) => {
      await client.call("PATCH", `/scim/v2/Groups/${groupId}`, patches[i]);
      if ((i + 1) % 100 === 0) progress(`  PATCHes ${i + 1}/${patches.length}`);
    });
    const buildSeconds = (performance.now() - started) / 1000;

    const latencies: number[] = [];
    for (let round = 0; round < GET_ROUNDS; round += 1) {
      await Promise.all(Array.from({ length: GET_CONCURRENCY }, async () => {
        const sent = performance.now();
        const group = await client.call("GET", `/scim/v2/Groups/${groupId}`);
        latencies.push(performance.now() - sent);
        // The whole body was read and parsed: a list cut short or padded is a failure, not a fast answer.
        if (group.members?.length !== userIds.length) throw new Error(`GET /Groups/${groupId} returned ${group.members?.length} members, not ${userIds.length}`);
      }));
    }
    latencies.sort((a, b) => a - b);
    return {
      members: userIds.length,
      buildSeconds,
      patches: patches.length,
      patchesPerSecond: patches.length / buildSeconds,
      membershipsPerSecond: userIds.length / buildSeconds,
      get: { requests: latencies.length, p50: Math.round(latencies[Math.floor(latencies.length / 2)]), max: Math.round(latencies[latencies.length - 1]) },
    };
  } finally {
    await client.close();
  }
}
