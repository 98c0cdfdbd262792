/** How big each scenario is: the full run (the recorded one) and the quick one the test suite runs. */
export interface BenchSizes {
  /** Seconds each throughput measurement runs, after an unmeasured warm-up of warmUpSeconds. */
  seconds: number;
  warmUpSeconds: number;
  /** Users of the small directory (its own database and server) and of the big one. */
  smallDirectory: number;
  bigDirectory: number;
  /**
   * scim.lookup alternates rounds on the small and the big directory, this many each; so do the
   * access questions with the requests they are held against.
   */
  lookupRounds: number;
  /** Members of the big group in scim.members (the small group has 10). */
  bigGroup: number;
  /** Group tree for graph.can: top × mid × leaf groups, three levels. */
  topGroups: number;
  midPerTop: number;
  leafPerMid: number;
  /** Okta-style initial sync. */
  syncUsers: number;
  syncGroups: number;
  syncMemberships: number;
  /** Users per page in graph.list (compared with a page a tenth of it). */
  listPage: number;
  /** graph.limits: fan-out documents and normal queries, this many of each, one at a time. */
  limitsRequests: number;
  /**
   * access.whereCan, on a directory of its own: one user in whereCanGroups groups over
   * whereCanAccounts accounts, each group bound on 2 of them, with whereCanOtherUsers users beside it.
   */
  whereCanAccounts: number;
  whereCanGroups: number;
  whereCanOtherUsers: number;
  /** The access review export, on two directories of their own seeded as the big one, at these sizes (users): its memory must not grow with them. */
  exportUsers: [number, number];
  /**
   * The fleet (`--processes N`, see fleet.ts): rounds of 1 process and of N, alternating, each
   * `seconds / fleetRounds` long, or `fleetCreates` requests long for scim.create (every one
   * answered, so the users stored can be counted against them).
   */
  fleetRounds: number;
  fleetCreates: number;
}

export const FULL: BenchSizes = {
  seconds: 10,
  warmUpSeconds: 3,
  smallDirectory: 1_000,
  bigDirectory: 100_000,
  lookupRounds: 4,
  bigGroup: 50_000,
  topGroups: 10,
  midPerTop: 5,
  leafPerMid: 4,
  syncUsers: 10_000,
  syncGroups: 250,
  syncMemberships: 50_000,
  listPage: 1_000,
  limitsRequests: 500,
  whereCanAccounts: 1_000,
  whereCanGroups: 500,
  whereCanOtherUsers: 2_000,
  exportUsers: [10_000, 100_000],
  fleetRounds: 2,
  fleetCreates: 3_000,
};

/**
 * Small enough for the test suite, big enough that every code path runs. No warm-up anywhere
 * (warmUpSeconds 0 also skips the ceilings' warm-ups, see measureCeilings) and one round where
 * the full run repeats them: quick numbers are never compared with targets, only the paths run.
 */
export const QUICK: BenchSizes = {
  seconds: 1,
  warmUpSeconds: 0,
  smallDirectory: 200,
  bigDirectory: 2_000,
  lookupRounds: 1,
  bigGroup: 1_000,
  topGroups: 2,
  midPerTop: 2,
  leafPerMid: 2,
  syncUsers: 100,
  syncGroups: 5,
  syncMemberships: 300,
  listPage: 100,
  limitsRequests: 20,
  whereCanAccounts: 40,
  whereCanGroups: 20,
  whereCanOtherUsers: 40,
  exportUsers: [500, 2_000],
  fleetRounds: 1,
  fleetCreates: 200,
};

/** Concurrency of the load generator where the issue does not fix it. */
export const CONNECTIONS = 16;
/** scim.members: connections each adding and removing their own member on one group; issue 13 measures it at 16. */
export const MEMBERS_CONNECTIONS = CONNECTIONS;
/** Okta provisions with a handful of parallel requests per app; 8 is generous. */
export const SYNC_CONCURRENCY = 8;
/** Okta pushes group members in PATCHes of up to 100. */
export const SYNC_MEMBERS_PER_PATCH = 100;

/** The million-user bench (`--size 1m`, million.ts): one directory grown in steps, measured after each. */
export interface MillionSizes {
  /** Users after each growth step, ascending; every step is measured. */
  steps: number[];
  /** The group tree (top ⊃ mid ⊃ leaf, roles bound as in the directory bench), seeded before the first step. */
  tree: { top: number; midPerTop: number; leafPerMid: number };
  /** Leaf groups each user is a member of. */
  groupsPerUser: number;
  /** Each scenario: a warm-up, then `seconds` on each directory in `rounds` alternating rounds. */
  seconds: number;
  warmUpSeconds: number;
  rounds: number;
}

/** 1,000 → 100,000 → 1,000,000 users in 10 + 90 + 9,900 = 10,000 groups, 3,000,000 memberships at the end. */
export const MILLION: MillionSizes = {
  steps: [1_000, 100_000, 1_000_000],
  tree: { top: 10, midPerTop: 9, leafPerMid: 110 },
  groupsPerUser: 3,
  seconds: FULL.seconds,
  warmUpSeconds: FULL.warmUpSeconds,
  rounds: 2,
};

/** `--size 1m --quick`: the same steps at sizes that run in a minute, to try the code, never to record. */
export const MILLION_QUICK: MillionSizes = {
  steps: [1_000, 5_000, 20_000],
  tree: { top: 2, midPerTop: 3, leafPerMid: 15 },
  groupsPerUser: 3,
  seconds: QUICK.seconds,
  warmUpSeconds: QUICK.warmUpSeconds,
  rounds: 1,
};
