import { holdsStreamedValues, jsonText, StreamedValues } from "../../src/scim/json-stream";
import { parseProjection, project } from "../../src/scim/projection";
import { RESOURCE_SCHEMAS } from "../../src/scim/schema";

async function textOf(value: unknown): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  for await (const chunk of jsonText(value)) {
    text += chunk;
    chunks += 1;
  }
  return { text, chunks };
}

/** Values in pages, the way a member list streams: the first in hand, the rest read on demand. */
function streamed<T>(pages: T[][]): StreamedValues<T> {
  return new StreamedValues(pages[0], async function* () {
    for (const page of pages.slice(1)) yield page;
  });
}

const member = (i: number) => ({ value: `id-${i}`, $ref: `https://x/Users/id-${i}`, display: `Member "${i}" \u00e9\u2028`, type: "User" });
const pagesOf = (count: number, size: number) => Array.from({ length: Math.ceil(count / size) }, (_, p) =>
  Array.from({ length: Math.min(size, count - p * size) }, (_, i) => member(p * size + i)));

describe("SCIM JSON written while its long lists are read", () => {
  it("writes exactly what JSON.stringify writes for the same resource held whole", async () => {
    const pages = pagesOf(2_345, 1_000);
    const resource = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g", skipped: undefined, displayName: "Big", members: streamed(pages), extra: { nested: [1, null, "x"] }, meta: { version: 'W/"3"' } };
    const whole = { ...resource, members: pages.flat() };
    const { text, chunks } = await textOf(resource);
    expect(text).toBe(JSON.stringify(whole));
    // One write per page at least: the rest is not concatenated before it is sent.
    expect(chunks).toBeGreaterThanOrEqual(3);
  });

  it("writes streamed resources inside a ListResponse, next to resources held whole", async () => {
    const pages = pagesOf(30, 7);
    const list = { schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 3, Resources: [{ id: "a", members: [member(1)] }, { id: "b", members: streamed(pages), f: () => 1 }, { id: "c" }] };
    const { text } = await textOf(list);
    expect(text).toBe(JSON.stringify({ ...list, Resources: [list.Resources[0], { id: "b", members: pages.flat() }, list.Resources[2]] }));
  });

  it("writes a list whose later pages are empty, or all but the first", async () => {
    expect((await textOf({ m: streamed([[member(1)], [], []]) })).text).toBe(JSON.stringify({ m: [member(1)] }));
    expect((await textOf({ m: streamed([[], [member(2)]]) })).text).toBe(JSON.stringify({ m: [member(2)] }));
    expect((await textOf({ m: streamed([[]]) })).text).toBe(JSON.stringify({ m: [] }));
  });

  it("projects each streamed member as the whole list would be projected", async () => {
    const pages = pagesOf(25, 10);
    for (const [attributes, excluded] of [["members.value,members.type", undefined], [undefined, "members.display"], ["members", "members.$ref"]]) {
      const projection = parseProjection(RESOURCE_SCHEMAS.Group, attributes, excluded);
      const { text } = await textOf(project({ schemas: [], id: "g", members: streamed(pages) }, projection));
      expect(text).toBe(JSON.stringify(project({ schemas: [], id: "g", members: pages.flat() }, projection)));
    }
  });

  it("finds a streamed attribute in a resource or a ListResponse, and refuses to be written by JSON.stringify", () => {
    expect(holdsStreamedValues({ id: "g", members: [member(1)] })).toBe(false);
    expect(holdsStreamedValues({ id: "g", members: streamed([[member(1)]]) })).toBe(true);
    expect(holdsStreamedValues({ Resources: [{ id: "u" }, { id: "g", members: streamed([[member(1)]]) }] })).toBe(true);
    expect(() => JSON.stringify({ members: streamed([[member(1)]]) })).toThrow(/jsonText/);
  });

  it("stops reading pages when the reader stops", async () => {
    let read = 0;
    const values = new StreamedValues([member(0)], async function* () {
      for (let page = 1; page < 100; page += 1) {
        read += 1;
        yield [member(page)];
      }
    });
    const text = jsonText({ m: values });
    await text.next();
    await text.next();
    await text.return(undefined);
    expect(read).toBeLessThanOrEqual(2);
  });
});
