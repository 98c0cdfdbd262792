import type { MikroORM } from "@mikro-orm/core";
import { CLI_ACTOR } from "../src/domain/actor";
import { createApiKey, createScimToken } from "../src/domain/commands/credentials";
import { createAccount, createOrganization } from "../src/domain/commands/organizations";
import { createRole, setRoleMapping } from "../src/domain/commands/roles";

/** The organization a bench run provisions into, and the credentials to reach it. */
export interface BenchTenant {
  organizationId: string;
  accountIds: string[];
  roleIds: string[];
  scimToken: string;
  apiKey: string;
}

/** Creates the tenant through the domain commands, exactly as an admin would over GraphQL. */
export async function createBenchTenant(orm: MikroORM, name: string): Promise<BenchTenant> {
  const ctx = () => ({ em: orm.em.fork(), actor: CLI_ACTOR });
  const org = await createOrganization(ctx(), { name });
  const accountIds: string[] = [];
  for (let i = 0; i < 5; i += 1) accountIds.push((await createAccount(ctx(), { organizationId: org.id, name: `account-${i}` })).id);
  const roleIds: string[] = [];
  for (let i = 0; i < 8; i += 1) {
    const role = await createRole(ctx(), { organizationId: org.id, key: `role-${i}`, name: `Role ${i}`, permissions: [`area${i}.read`, `area${i}.write`] });
    roleIds.push(role.id);
  }
  // The IdP role values seeded users carry (seed.ts), mapped case-insensitively to roles.
  for (let i = 0; i < 4; i += 1) await setRoleMapping(ctx(), { organizationId: org.id, idpValue: `bench-role-${i}`, roleId: roleIds[i] });
  const scimToken = (await createScimToken(ctx(), { organizationId: org.id, name: "bench" })).secret;
  const apiKey = (await createApiKey(ctx(), { name: "bench", role: "READER", organizationId: org.id })).secret;
  return { organizationId: org.id, accountIds, roleIds, scimToken, apiKey };
}
