import type autocannon from "autocannon";
import { measureLoad, measureRequest, type LoadResult } from "../load";
import { userNameOf } from "../seed";

/** Where the scenarios send their requests. */
export interface Target {
  url: string;
  scimToken: string;
  apiKey: string;
}

/** What a request carries whichever process it goes to. */
export type Credentials = Pick<Target, "scimToken" | "apiKey">;

export const scimHeaders = (target: Credentials) => ({ authorization: `Bearer ${target.scimToken}`, "content-type": "application/scim+json" });
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** scim.create: POST /Users with a fresh userName on every request. */
export async function scimCreate(target: Target, seconds: number, connections: number): Promise<LoadResult> {
  return measureRequest(target.url, connections, seconds, createUserRequest(target, `created-${Date.now()}`));
}

/** POST /Users as Okta sends it, the userName `<prefix>-<n>@bench.test` with n counting from 1. */
export function createUserRequest(target: Credentials, prefix: string): autocannon.Request {
  let counter = 0;
  return {
    method: "POST",
    path: "/scim/v2/Users",
    headers: scimHeaders(target),
    setupRequest: (request) => {
      counter += 1;
      request.body = JSON.stringify(oktaUser(`${prefix}-${counter}@bench.test`, counter));
      return request;
    },
  };
}

/** The body of Okta's POST /Users for the n-th user named `userName`. */
export function oktaUser(userName: string, n: number) {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName,
    name: { givenName: "Bench", familyName: `User ${n}` },
    emails: [{ value: userName, type: "work", primary: true }],
    active: true,
  };
}

/** scim.lookup: `GET /Users?filter=userName eq "…"` for random existing users (in another case, as IdPs do). */
export async function scimLookup(target: Target, directorySize: number, seconds: number, connections: number): Promise<LoadResult> {
  return measureRequest(target.url, connections, seconds, lookupRequest(target, directorySize));
}

/** The request of scim.lookup, for any of the first `directorySize` seeded users. */
export function lookupRequest(target: Credentials, directorySize: number): autocannon.Request {
  return {
    method: "GET",
    headers: scimHeaders(target),
    setupRequest: (request) => {
      const userName = userNameOf(Math.floor(Math.random() * directorySize)).toUpperCase();
      request.path = `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
      return request;
    },
  };
}

/** scim.get: GET /Users/{id} for random existing users. */
export async function scimGet(target: Target, userIds: string[], seconds: number, connections: number): Promise<LoadResult> {
  return measureRequest(target.url, connections, seconds, {
    method: "GET",
    headers: scimHeaders(target),
    setupRequest: (request) => {
      request.path = `/scim/v2/Users/${userIds[Math.floor(Math.random() * userIds.length)]}`;
      return request;
    },
  });
}

/**
 * scim.members: each connection adds one member to the group and removes it again, as Okta's
 * Push Groups does, so the group's size stays what it was.
 */
export async function scimMembers(target: Target, groupId: string, candidateUserIds: string[], seconds: number, connections: number): Promise<LoadResult> {
  let next = 0;
  const memberOf = (context: Record<string, unknown>) => {
    if (typeof context.member !== "string") context.member = candidateUserIds[next++ % candidateUserIds.length];
    return context.member as string;
  };
  const patch = (op: "add" | "remove"): autocannon.Request => ({
    method: "PATCH",
    path: `/scim/v2/Groups/${groupId}`,
    headers: scimHeaders(target),
    setupRequest: (request, context) => {
      const member = memberOf(context as Record<string, unknown>);
      const operation = op === "add" ? { op, path: "members", value: [{ value: member }] } : { op, path: `members[value eq "${member}"]` };
      request.body = JSON.stringify({ schemas: [PATCH_OP], Operations: [operation] });
      return request;
    },
  });
  return measureLoad({ url: target.url, connections, duration: seconds, requests: [patch("add"), patch("remove")] });
}
