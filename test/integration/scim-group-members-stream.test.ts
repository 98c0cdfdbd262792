import type { MikroORM } from "@mikro-orm/core";
import { CLI_ACTOR } from "../../src/domain/actor";
import { storeOf } from "../../src/domain/ports/store";
import { memberListsOfGroups, MEMBER_LIST_PAGING, type ListedMember } from "../../src/domain/queries/memberships";
import { listResponse } from "../../src/scim/messages/list-response";
import { parseProjection, project } from "../../src/scim/projection";
import { groupToScim } from "../../src/scim/resources/group-json";
import { RESOURCE_SCHEMAS } from "../../src/scim/schema";
import { Organization, User } from "../../src/store/entities";
import { q, scimTenant, type ScimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * A group with more members than one page (MEMBER_LIST_PAGING.pageSize) is written while its
 * members are read, page by page. What a client receives must be byte for byte what the whole
 * list, read at once and rendered as one JSON value (the path before streaming, and still the
 * path of smaller groups), gives: same keys, same order, same members in the same order.
 */
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const EXTENSION = "urn:example:params:scim:schemas:extension:acme:2.0:Group";
const PAGE = MEMBER_LIST_PAGING.pageSize;
const BIG = 2 * PAGE + 345;

describe("SCIM: a big group's members stream, and read exactly as the whole list would", () => {
  let server: TestServer;
  let tenant: ScimTenant;
  let baseUrl: string;
  let userIds: string[];
  let nested: string[];
  let big: string;
  let small: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { membershipRatePerSecond: 1_000_000, membershipBurst: 1_000_000 } });
    baseUrl = `${server.url}/scim/v2`;
    tenant = await scimTenant(server);
    userIds = await seedUsers(server.built.orm, tenant.organizationId, BIG + 200);
    nested = [];
    for (const name of ["Nested A", "Nested B", "Nested C"]) {
      nested.push((await tenant.scim("POST", "/Groups", { displayName: name, members: userIds.slice(0, 3).map((value) => ({ value })) })).body.id);
    }
    big = (await tenant.scim("POST", "/Groups", {
      schemas: [GROUP], displayName: "Big", externalId: "ext-big", [EXTENSION]: { costCenter: "42", owner: "ops" }, note: "kept as given",
    })).body.id;
    // Members added as an IdP adds them, in PATCHes of 500, users and groups interleaved.
    const members = [...userIds.slice(0, BIG - nested.length).map((value) => ({ value, type: "User" }))];
    for (const [index, value] of nested.entries()) members.splice(700 * (index + 1), 0, { value, type: "Group" });
    for (let start = 0; start < members.length; start += 500) {
      const response = await tenant.scim("PATCH", `/Groups/${big}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: members.slice(start, start + 500) }] });
      expect(response.status).toBe(204);
    }
    small = (await tenant.scim("POST", "/Groups", { displayName: "Small", members: [{ value: userIds[5] }, { value: nested[0] }] })).body.id;
    await tenant.scim("POST", "/Groups", { displayName: "Empty" });
  }, 300_000);
  afterAll(async () => server.close());

  /** The group rendered from its whole member list read at once: the answer held as one JSON value. */
  async function whole(id: string, attributes?: string, excludedAttributes?: string): Promise<Record<string, unknown>> {
    const em = server.built.orm.em.fork();
    const group = await storeOf(em).findGroup(em, id);
    const [list] = await memberListsOfGroups(em, CLI_ACTOR, [id], { pageSize: Number.MAX_SAFE_INTEGER, firstPagesBudget: Number.MAX_SAFE_INTEGER });
    expect(list.rest).toBeNull();
    return project(groupToScim(group!, baseUrl, list.first), parseProjection(RESOURCE_SCHEMAS.Group, attributes, excludedAttributes));
  }

  async function getText(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${tenant.token}`, "content-type": "application/scim+json", ...init.headers } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  const streamedAnswer = (headers: Headers) => headers.get("transfer-encoding") === "chunked" && headers.get("content-length") === null;

  it("GET /Groups/{id} of a group over a page streams the same bytes, ETag and content type as the whole list", async () => {
    const expected = await whole(big);
    expect((expected.members as unknown[]).length).toBe(BIG);
    const answer = await getText(`/Groups/${big}`);
    expect(answer.status).toBe(200);
    expect(streamedAnswer(answer.headers)).toBe(true);
    expect(answer.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
    expect(answer.headers.get("etag")).toBe((expected.meta as { version: string }).version);
    expect(answer.text).toBe(JSON.stringify(expected));
    // Users and nested groups in membership order; other attributes after them, sorted (canonical-json.ts).
    const parsed = JSON.parse(answer.text);
    expect(Object.keys(parsed)).toEqual(["schemas", "id", "externalId", "displayName", "members", "note", EXTENSION, "meta"]);
    expect(parsed.members.filter((m: { type: string }) => m.type === "Group").map((m: { value: string }) => m.value)).toEqual(nested);
    expect(parsed.members.find((m: { value: string }) => m.value === nested[0])).toEqual({ value: nested[0], $ref: `${baseUrl}/Groups/${nested[0]}`, display: "Nested A", type: "Group" });
    expect(parsed.members[0]).toEqual({ value: userIds[0], $ref: `${baseUrl}/Users/${userIds[0]}`, display: "member0@stream.test", type: "User" });
    expect(new Set(parsed.members.map((m: { value: string }) => m.value)).size).toBe(BIG);
  });

  it("a group within one page answers whole, as before", async () => {
    const answer = await getText(`/Groups/${small}`);
    expect(streamedAnswer(answer.headers)).toBe(false);
    expect(answer.text).toBe(JSON.stringify(await whole(small)));
  });

  it.each([
    ["attributes=members", "members", undefined],
    ["attributes=members.value", "members.value", undefined],
    ["attributes=displayName,members.display,members.type", "displayName,members.display,members.type", undefined],
    ["excludedAttributes=members.display", undefined, "members.display"],
    ["excludedAttributes=meta,externalId", undefined, "meta,externalId"],
    ["excludedAttributes=members", undefined, "members"],
    ["attributes=id", "id", undefined],
  ])("projects a streamed group as the whole one: %s", async (query, attributes, excludedAttributes) => {
    const answer = await getText(`/Groups/${big}?${query}`);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(JSON.stringify(await whole(big, attributes, excludedAttributes)));
  });

  it("lists and searches write a streamed group in place among the others", async () => {
    const all = await getText(`/Groups?attributes=displayName,members`);
    const order = (JSON.parse(all.text).Resources as Array<{ id: string }>).map((g) => g.id);
    expect(order).toContain(big);
    expect(streamedAnswer(all.headers)).toBe(true);
    expect(all.text).toBe(JSON.stringify(listResponse(await Promise.all(order.map((id) => whole(id, "displayName,members"))), order.length, 1)));

    const page = await getText(`/Groups?count=2&startIndex=${order.indexOf(big)}`);
    const pageIds = order.slice(order.indexOf(big) - 1, order.indexOf(big) + 1);
    expect(page.text).toBe(JSON.stringify(listResponse(await Promise.all(pageIds.map((id) => whole(id))), order.length, order.indexOf(big))));

    const search = await getText(`/Groups/.search`, { method: "POST", body: JSON.stringify({ filter: `displayName eq "Big"`, attributes: ["members.value"] }) });
    expect(search.status).toBe(200);
    expect(search.text).toBe(JSON.stringify(listResponse([await whole(big, "members.value")], 1, 1)));

    const root = await getText(`/.search`, { method: "POST", body: JSON.stringify({ filter: `displayName eq "Big"` }) });
    expect(root.status).toBe(200);
    const rooted = JSON.parse(root.text);
    expect(rooted.totalResults).toBe(1);
    expect(JSON.stringify(rooted.Resources[0])).toBe(JSON.stringify(await whole(big)));

    const filtered = await getText(`/Groups?filter=${q(`members[value eq "${userIds[1500]}"]`)}&excludedAttributes=members`);
    expect(filtered.text).toBe(JSON.stringify(listResponse([await whole(big, undefined, "members")], 1, 1)));
  });

  it("a PATCH that asks for the group, a PUT and a POST answer a big group streamed, as the GET after them", async () => {
    const patched = await getText(`/Groups/${big}?attributes=members,displayName`, {
      method: "PATCH", body: JSON.stringify({ schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: userIds[BIG + 10] }] }] }),
    });
    expect(patched.status).toBe(200);
    expect(streamedAnswer(patched.headers)).toBe(true);
    expect(patched.text).toBe(JSON.stringify(await whole(big, "members,displayName")));
    expect(JSON.parse(patched.text).members).toHaveLength(BIG + 1);

    const replacement = { schemas: [GROUP], displayName: "Replaced", members: userIds.slice(100, 100 + PAGE + 50).map((value) => ({ value })) };
    const put = await getText(`/Groups/${big}`, { method: "PUT", body: JSON.stringify(replacement) });
    expect(put.status).toBe(200);
    expect(streamedAnswer(put.headers)).toBe(true);
    const afterPut = await whole(big);
    expect(put.text).toBe(JSON.stringify(afterPut));
    expect(put.headers.get("etag")).toBe((afterPut.meta as { version: string }).version);
    expect((await getText(`/Groups/${big}`)).text).toBe(put.text);

    const created = await getText(`/Groups`, { method: "POST", body: JSON.stringify({ displayName: "Created big", members: userIds.slice(0, PAGE + 1).map((value) => ({ value })) }) });
    expect(created.status).toBe(201);
    expect(streamedAnswer(created.headers)).toBe(true);
    expect(created.text).toBe(JSON.stringify(await whole(JSON.parse(created.text).id)));
  });

  it("HEAD of a big group answers the GET's headers without reading past the first page", async () => {
    const get = await getText(`/Groups/${big}`);
    const statements = await server.captureQueries(async () => {
      const head = await fetch(`${baseUrl}/Groups/${big}`, { method: "HEAD", headers: { authorization: `Bearer ${tenant.token}` } });
      expect(head.status).toBe(200);
      expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
      expect(head.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
      expect(await head.text()).toBe("");
    });
    expect(statements.filter((sql) => /group_membership/.test(sql))).toHaveLength(1);
  });

  it("a conditional GET of a big group's current version answers 304 without reading its members", async () => {
    const etag = (await getText(`/Groups/${big}`)).headers.get("etag") as string;
    const statements = await server.captureQueries(async () => {
      expect((await fetch(`${baseUrl}/Groups/${big}`, { headers: { authorization: `Bearer ${tenant.token}`, "if-none-match": etag } })).status).toBe(304);
    });
    expect(statements.filter((sql) => /group_membership/.test(sql))).toEqual([]);
  });

  it("pages of any size, over many groups, join into each group's whole list: nothing skipped, nothing twice", async () => {
    const ids = [big, small, nested[0], nested[1]];
    const em = server.built.orm.em.fork();
    const expected = (await memberListsOfGroups(em, CLI_ACTOR, ids, { pageSize: Number.MAX_SAFE_INTEGER, firstPagesBudget: Number.MAX_SAFE_INTEGER })).map((list) => list.first);
    for (const options of [{ pageSize: 7, firstPagesBudget: 10 }, { pageSize: 1, firstPagesBudget: 1 }, { pageSize: 500, firstPagesBudget: 2_000 }]) {
      const lists = await memberListsOfGroups(em, CLI_ACTOR, ids, options);
      const joined: ListedMember[][] = [];
      for (const list of lists) {
        const all = [...list.first];
        if (list.rest) for await (const page of list.rest()) all.push(...page);
        joined.push(all);
      }
      expect(joined).toEqual(expected);
    }
  });

  it("a failure after the status was sent closes the connection instead of ending a truncated body as if whole", async () => {
    const store = storeOf(server.built.orm.em);
    const original = store.memberListPages.bind(store);
    const spy = jest.spyOn(store, "memberListPages").mockImplementation(async (em, requests) => {
      if (requests.some((request) => request.afterId !== null)) throw new Error("the database went away");
      return original(em, requests);
    });
    try {
      const response = await fetch(`${baseUrl}/Groups/${big}`, { headers: { authorization: `Bearer ${tenant.token}` } });
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect((await getText(`/Groups/${big}`)).text).toBe(JSON.stringify(await whole(big)));
  });

  it("a failure before the first byte is an ordinary SCIM error", async () => {
    const store = storeOf(server.built.orm.em);
    const spy = jest.spyOn(store, "memberListPages").mockRejectedValue(new Error("the database went away"));
    try {
      const answer = await getText(`/Groups/${big}`);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "500" });
    } finally {
      spy.mockRestore();
    }
  });
});

/** Users inserted through the ORM's multi-row inserts (set-up, as the bench seeds); memberships go through SCIM. */
async function seedUsers(orm: MikroORM, organizationId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  await orm.em.fork().transactional(async (tx) => {
    const organization = tx.getReference(Organization, organizationId);
    for (let start = 0; start < count; start += 500) {
      const users: User[] = [];
      for (let i = start; i < Math.min(start + 500, count); i += 1) {
        const userName = `member${i}@stream.test`;
        users.push(Object.assign(new User(), { organization, userName, userNameKey: userName, displayName: i % 10 === 0 ? null : `Member ${i}`, managedBy: "SCIM" }));
      }
      await tx.insertMany(User, users);
      ids.push(...users.map((u) => u.id));
    }
  });
  return ids;
}
