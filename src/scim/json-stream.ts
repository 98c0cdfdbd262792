import { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import type { ScimJson } from "./types";

/**
 * The values of a multi-valued attribute too long to hold at once (a big group's `members`): the
 * first ones in hand, the rest read a page at a time while the response is written. Transforms
 * (rendering, projection) apply to each value as its page passes.
 */
export class StreamedValues<T = unknown> {
  constructor(
    readonly first: readonly T[],
    private readonly rest: () => AsyncIterable<readonly T[]>,
  ) {}

  map<U>(transform: (value: T) => U): StreamedValues<U> {
    const rest = this.rest;
    return new StreamedValues(this.first.map(transform), async function* () {
      for await (const page of rest()) yield page.map(transform);
    });
  }

  async *pages(): AsyncGenerator<readonly T[]> {
    yield this.first;
    yield* this.rest();
  }

  /** Only jsonText writes it: JSON.stringify would silently write the first page alone. */
  toJSON(): never {
    throw new Error("a streamed attribute is written by jsonText (responseBody), not JSON.stringify");
  }
}

/**
 * What a route sends for a SCIM JSON answer. Nothing streamed in it: the JSON itself, serialized
 * by fastify as before. Otherwise its text as a stream, written while the rest of each streamed
 * attribute is read, so memory holds one page of it however long the list (RFC 7644 does not bound
 * a group's `members`). The text is the same either way: jsonText writes what JSON.stringify would.
 *
 * By the time a page after the first is read, the status and headers are sent (everything before
 * it was in hand and is written first): a failure there cannot become an error response. It is
 * logged and the connection is destroyed, so the client sees a truncated body, never a complete
 * one that lies; fastify sends nothing more. A client that disconnects destroys the stream, which
 * ends the page reads (the one in flight finishes, no other starts). A HEAD request gets the
 * headers only, without reading any page.
 */
export function responseBody(request: FastifyRequest, json: ScimJson): ScimJson | Readable {
  if (!holdsStreamedValues(json)) return json;
  if (request.method === "HEAD") return Readable.from([]);
  return Readable.from(loggingFailures(request, jsonText(json)), { objectMode: false });
}

/**
 * How deep a streamed attribute can be: a resource's attribute (1), or a resource's attribute in a
 * ListResponse's `Resources` (3). Nothing deeper is looked at, so a list of 1,000 users costs a
 * glance at each one's attributes.
 */
const STREAMED_DEPTH = 3;

/** Whether a resource or ListResponse has a streamed attribute. */
export function holdsStreamedValues(value: unknown, depth = STREAMED_DEPTH): boolean {
  if (value instanceof StreamedValues) return true;
  if (depth === 0 || value === null || typeof value !== "object") return false;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => holdsStreamedValues(child, depth - 1));
}

/** Pieces under this many characters are joined before they are written (one write per member would be slow). */
const CHUNK_CHARACTERS = 64 * 1024;

/**
 * A JSON value's text as JSON.stringify writes it (same key order, `undefined` members left out,
 * `null` for an `undefined` array element), in chunks of at least CHUNK_CHARACTERS; a streamed
 * attribute's pages are read as it is written. Whatever is pending is written before a page is
 * read, so a slow page never holds back what is already known.
 */
export async function* jsonText(value: unknown): AsyncGenerator<string> {
  let pending = "";
  for await (const piece of pieces(value)) {
    if (piece === FLUSH) {
      if (pending !== "") yield pending;
      pending = "";
      continue;
    }
    pending += piece;
    if (pending.length >= CHUNK_CHARACTERS) {
      yield pending;
      pending = "";
    }
  }
  if (pending !== "") yield pending;
}

/** Marks where jsonText writes what it has, before a page is read. */
const FLUSH = Symbol("flush");

async function* pieces(value: unknown): AsyncGenerator<string | typeof FLUSH> {
  if (value instanceof StreamedValues) {
    let separator = "[";
    for await (const page of value.pages()) {
      if (page.length === 0) continue;
      // The page as JSON.stringify writes an array, without its brackets: one call per page.
      yield separator + JSON.stringify(page).slice(1, -1);
      separator = ",";
      // The next page is read when this generator resumes: what is pending is written first.
      yield FLUSH;
    }
    yield separator === "[" ? "[]" : "]";
  } else if (!holdsStreamedValues(value)) {
    yield JSON.stringify(value);
  } else if (Array.isArray(value)) {
    yield "[";
    for (const [index, item] of value.entries()) {
      if (index > 0) yield ",";
      if (skippedByStringify(item)) yield "null";
      else yield* pieces(item);
    }
    yield "]";
  } else {
    yield "{";
    let separator = "";
    for (const [key, item] of Object.entries(value as ScimJson)) {
      if (skippedByStringify(item)) continue;
      yield `${separator}${JSON.stringify(key)}:`;
      separator = ",";
      yield* pieces(item);
    }
    yield "}";
  }
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function skippedByStringify(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/**
 * A stream's failure after the status was sent is a server error like any other: logged at the
 * level the SCIM error handler logs 5xx (fastify itself only warns), then rethrown so the
 * connection is destroyed.
 */
async function* loggingFailures(request: FastifyRequest, text: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* text;
  } catch (error) {
    request.log.error({ err: error }, "SCIM response failed while streaming; the connection is closed");
    throw error;
  }
}
