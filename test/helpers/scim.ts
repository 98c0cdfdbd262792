import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtures } from "./graph-fixtures";
import type { ServerEndpoint } from "./server";

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A SCIM client speaking HTTP to the test server with one bearer token. */
export function scimClient(server: ServerEndpoint, token: string | null) {
  return async function scim(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResponse> {
    const all: Record<string, string> = { accept: "application/scim+json", ...headers };
    if (token !== null) all.authorization = `Bearer ${token}`;
    if (body !== undefined) all["content-type"] ??= "application/scim+json";
    const response = await fetch(`${server.url}/scim/v2${path}`, {
      method,
      headers: all,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
}

export type ScimCall = ReturnType<typeof scimClient>;

/** Issues a SCIM token for an organization over GraphQL, as an admin would. */
export async function issueScimToken(server: ServerEndpoint, organizationId: string, name = "idp"): Promise<string> {
  const data = await server.ok(`mutation($o: ID!, $n: String!) { createScimToken(input: {organizationId: $o, name: $n}) { secret } }`, { o: organizationId, n: name });
  return data.createScimToken.secret;
}

export interface ScimTenant {
  organizationId: string;
  token: string;
  scim: ScimCall;
}

/** A new organization with its own SCIM token, so a test provisions into a tenant no other test touches. */
export async function scimTenant(server: ServerEndpoint, name = "Acme"): Promise<ScimTenant> {
  const organizationId = await fixtures(server).organization(name);
  const token = await issueScimToken(server, organizationId);
  return { organizationId, token, scim: scimClient(server, token) };
}

/** A new tenant with `users` users (`<name>-<i>@acme.test`) and one empty group ("<name> team"), all made over SCIM. */
export async function scimTenantWithGroup(server: ServerEndpoint, name: string, users: number): Promise<ScimTenant & { userIds: string[]; groupId: string }> {
  const tenant = await scimTenant(server, name);
  const userIds: string[] = [];
  for (let i = 0; i < users; i += 1) {
    userIds.push((await tenant.scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `${name}-${i}@acme.test` })).body.id);
  }
  const groupId = (await tenant.scim("POST", "/Groups", { displayName: `${name} team` })).body.id as string;
  return { ...tenant, userIds, groupId };
}

/** A recorded IdP request body with `{{name}}` placeholders filled in. */
export function fixture(path: string, values: Record<string, string> = {}): any {
  const text = readFileSync(join(__dirname, "..", "fixtures", path), "utf8");
  return JSON.parse(text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`fixture ${path} needs a value for {{${name}}}`);
    return values[name];
  }));
}

export const q = (filter: string) => encodeURIComponent(filter);
