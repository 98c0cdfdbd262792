import { fixtures } from "./graph-fixtures";
import type { ServerEndpoint } from "./server";

/**
 * A generated directory for checking the access questions (whoCan, whereCan, whyNot, whatIf, the
 * review) against `can`: every way a role is granted occurs — direct and group bindings at
 * organization and account scope, groups nested several deep with a diamond, role mappings at both
 * scopes whose values arrive in other cases and Unicode forms than written, a default role that a
 * matching mapping keeps off — and some users are inactive. Deterministic per seed (a failing
 * seed reproduces), built over GraphQL like any admin would.
 */
export interface AccessDirectory {
  seed: number;
  organizationId: string;
  accountIds: string[];
  roles: Array<{ id: string; key: string; permissions: string[] }>;
  defaultRoleId: string | null;
  groupIds: string[];
  userIds: string[];
  inactiveUserIds: string[];
  /** Permissions worth asking about: every one a role names, ones only a wildcard covers, one nobody has. */
  permissions: string[];
  /** `can` for every user × account × permission, keyed `user|account|permission` (canBatch, chunked). */
  allChecks(): Promise<Map<string, boolean>>;
}

export interface AccessDirectorySize {
  accounts: number;
  groups: number;
  users: number;
}

const PERMISSION_POOL = ["billing.read", "billing.write", "deploy.prod", "deploy.staging", "users.read", "audit.read"];
/** Permissions no role names literally: only `deploy.*` or `*` grant them. */
const WILDCARD_ONLY = ["deploy.canary"];
const NOBODY = "nobody.has-this";
/** IdP role values as IdPs send them: mixed case, non-ASCII, and é both precomposed and decomposed. */
const IDP_VALUES = ["Admin", "ADMIN", "engineer", "Éditeur", "e\u0301diteur", "viewer", "Auditor"];

export function checkKey(userId: string, accountId: string, permission: string): string {
  return `${userId}|${accountId}|${permission}`;
}

/** A small seeded PRNG (mulberry32): the same seed builds the same directory. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function buildAccessDirectory(
  server: ServerEndpoint, seed: number, size: AccessDirectorySize = { accounts: 4, groups: 10, users: 24 },
): Promise<AccessDirectory> {
  const rnd = random(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
  const chance = (p: number) => rnd() < p;
  const f = fixtures(server);

  const organizationId = await f.organization(`access-directory-${seed}-${Date.now()}`);
  const accountIds: string[] = [];
  for (let i = 0; i < size.accounts; i += 1) accountIds.push(await f.account(organizationId, `account-${i}`));

  const roleSpecs: Array<{ key: string; permissions: string[] }> = [
    { key: "owner", permissions: ["*"] },
    { key: "deployer", permissions: ["deploy.*"] },
    { key: "billing", permissions: ["billing.read", "billing.write"] },
    { key: "reader", permissions: ["billing.read", "users.read"] },
    { key: "auditor", permissions: ["audit.read"] },
    { key: "staging", permissions: ["deploy.staging"] },
    { key: "empty", permissions: [] },
  ];
  const roles = [];
  for (const spec of roleSpecs) roles.push({ id: await f.role(organizationId, spec.key, spec.permissions), ...spec });
  const grantable = roles.filter((r) => r.key !== "owner");

  // Groups nest only into groups made before them (no cycle); group 3 sits in groups 1 and 2 (a diamond).
  const groupIds: string[] = [];
  for (let i = 0; i < size.groups; i += 1) groupIds.push(await f.group(organizationId, `group-${i}`));
  const nested = new Set<string>();
  const nest = async (parent: number, child: number) => {
    const key = `${parent}>${child}`;
    if (parent === child || nested.has(key) || parent >= groupIds.length || child >= groupIds.length) return;
    nested.add(key);
    await f.nest(groupIds[parent], groupIds[child]);
  };
  await nest(0, 1);
  await nest(0, 2);
  await nest(1, 3);
  await nest(2, 3);
  for (let child = 4; child < groupIds.length; child += 1) if (chance(0.6)) await nest(Math.floor(rnd() * child), child);

  const userIds: string[] = [];
  const inactiveUserIds: string[] = [];
  for (let i = 0; i < size.users; i += 1) {
    const active = !chance(0.15);
    const values = chance(0.5) ? [pick(IDP_VALUES), ...(chance(0.3) ? [pick(IDP_VALUES)] : [])] : [];
    const id = await f.user(organizationId, `user-${i}@access.test`, { active, idpRoleValues: [...new Set(values)] });
    userIds.push(id);
    if (!active) inactiveUserIds.push(id);
    const groups = Math.floor(rnd() * 3);
    const joined = new Set<string>();
    for (let g = 0; g < groups; g += 1) joined.add(pick(groupIds));
    for (const groupId of joined) await f.addUser(groupId, id);
  }

  const bindings = new Set<string>();
  const bind = async (roleId: string, subject: { userId: string } | { groupId: string }, accountId: string | null) => {
    const key = `${roleId}|${JSON.stringify(subject)}|${accountId}`;
    if (bindings.has(key)) return;
    bindings.add(key);
    await f.bind({ roleId, ...subject, ...(accountId ? { accountId } : { organizationId }) });
  };
  // Always: a role bound at the top of the nesting for the organization and one for an account.
  await bind(pick(grantable).id, { groupId: groupIds[0] }, null);
  await bind(pick(grantable).id, { groupId: groupIds[1] }, accountIds[0]);
  await bind(roles[0].id, { userId: pick(userIds) }, accountIds[accountIds.length - 1]);
  for (let i = 0; i < Math.ceil(size.groups * 0.8); i += 1) await bind(pick(grantable).id, { groupId: pick(groupIds) }, chance(0.4) ? null : pick(accountIds));
  for (let i = 0; i < Math.ceil(size.users * 0.3); i += 1) await bind(pick(grantable).id, { userId: pick(userIds) }, chance(0.4) ? null : pick(accountIds));

  // Mappings written in another case and form than the users' values arrive in.
  await f.map(organizationId, "admin", pick(grantable).id);
  await f.map(organizationId, "Engineer", pick(grantable).id, accountIds[0]);
  await f.map(organizationId, "éditeur", pick(grantable).id);
  await f.map(organizationId, "VIEWER", pick(grantable).id, pick(accountIds));

  const defaultRoleId = chance(0.8) ? pick(grantable).id : null;
  if (defaultRoleId) {
    await server.ok(`mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }`, { input: { id: organizationId, defaultRoleId } });
  }

  const permissions = [...PERMISSION_POOL, ...WILDCARD_ONLY, NOBODY];
  return {
    seed, organizationId, accountIds, roles, defaultRoleId, groupIds, userIds, inactiveUserIds, permissions,
    async allChecks() {
      const checks = userIds.flatMap((userId) => accountIds.flatMap((accountId) => permissions.map((permission) => ({ userId, accountId, permission }))));
      const answers = new Map<string, boolean>();
      for (let i = 0; i < checks.length; i += 100) {
        const chunk = checks.slice(i, i + 100);
        const { canBatch } = await server.ok<{ canBatch: boolean[] }>(
          `query($checks: [AccessCheckInput!]!) { canBatch(checks: $checks) }`, { checks: chunk });
        chunk.forEach((c, j) => answers.set(checkKey(c.userId, c.accountId, c.permission), canBatch[j]));
      }
      return answers;
    },
  };
}
