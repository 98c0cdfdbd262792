import { appendFileSync } from "node:fs";
import { isIllFormedText, stringsIn } from "./text";

/** FUZZ_TRACE=<file> appends one line per request: what was asked and what came back. */
const TRACE = process.env.FUZZ_TRACE;

/** Every answer must come within this; a slower one is a failure even when it is right. */
export const ANSWER_WITHIN_MS = 5_000;
/** The client stops waiting here, so a stalled request fails its test instead of hanging the run. */
const GIVE_UP_AFTER_MS = 20_000;

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  contentType: string | null;
  etag: string | null;
  location: string | null;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  ms: number;
  timedOut: boolean;
}

/** How many answers of each status each method got, for FUZZ_VERBOSE's summary of a property. */
export const statusTally = new Map<string, number>();

/** One HTTP request, timed, never throwing for an HTTP status: the checks below judge the answer. */
export async function exchange(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Exchange> {
  const started = performance.now();
  const base = { method, url, headers, body };
  try {
    const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(GIVE_UP_AFTER_MS) });
    const text = await response.text();
    const tallyKey = `${method} ${response.status}`;
    statusTally.set(tallyKey, (statusTally.get(tallyKey) ?? 0) + 1);
    if (TRACE) appendFileSync(TRACE, `${method} ${new URL(url).pathname} ${(body ?? "").slice(0, 300)} → ${response.status} ${text.slice(0, 300)}\n`);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const header = (name: string) => response.headers.get(name);
    return { ...base, status: response.status, contentType: header("content-type"), etag: header("etag"), location: header("location"), text, json, ms: Math.round(performance.now() - started), timedOut: false };
  } catch (error) {
    if ((error as Error).name !== "TimeoutError") throw error;
    return { ...base, status: 0, contentType: null, etag: null, location: null, text: "", json: undefined, ms: Math.round(performance.now() - started), timedOut: true };
  }
}

const clip = (text: string, max = 600) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

/** The request and its answer, short enough to read and complete enough to replay. */
export function describeExchange(e: Exchange): string {
  const headers = Object.entries(e.headers).filter(([name]) => name !== "authorization").map(([n, v]) => `${n}: ${v}`).join(", ");
  return [
    `  request: ${e.method} ${e.url}${headers ? `  [${headers}]` : ""}`,
    ...(e.body !== undefined ? [`  body: ${clip(e.body)}`] : []),
    `  answer: ${e.timedOut ? "none" : e.status} after ${e.ms} ms: ${clip(e.text)}`,
  ].join("\n");
}

export class AnswerProblem extends Error {
  constructor(problems: string[], e: Exchange) {
    super(`${problems.join("; ")}\n${describeExchange(e)}`);
    this.name = "AnswerProblem";
  }
}

function timingProblems(e: Exchange): string[] {
  if (e.timedOut) return [`no answer within ${GIVE_UP_AFTER_MS} ms`];
  const problems: string[] = [];
  if (e.ms > ANSWER_WITHIN_MS) problems.push(`answered after ${e.ms} ms (more than ${ANSWER_WITHIN_MS})`);
  if (e.status >= 500) problems.push(`HTTP ${e.status}`);
  return problems;
}

/** RFC 7644 §3.12 scimType values. */
const SCIM_TYPES = new Set(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"]);
export const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/**
 * A SCIM answer is well-formed: no 5xx, in time, `application/scim+json`; errors in the SCIM
 * error schema with their status as a string and an RFC scimType; no success answer carrying text
 * a directory should never have stored (NUL, unpaired surrogates).
 */
export function scimProblems(e: Exchange): string[] {
  const problems = timingProblems(e);
  if (e.timedOut || e.method === "HEAD" || e.status === 204 || e.status === 304) return problems;
  if (!/^application\/scim\+json/.test(e.contentType ?? "")) problems.push(`content-type ${e.contentType}`);
  const body = e.json;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return [...problems, "the body is not a JSON object"];
  if (e.status >= 400) {
    if (JSON.stringify(body.schemas) !== JSON.stringify([SCIM_ERROR])) problems.push("an error without the SCIM error schema");
    if (body.status !== String(e.status)) problems.push(`error status ${JSON.stringify(body.status)} for HTTP ${e.status}`);
    if (typeof body.detail !== "string") problems.push("an error without a detail");
    if (body.scimType !== undefined && !SCIM_TYPES.has(body.scimType)) problems.push(`scimType ${JSON.stringify(body.scimType)}`);
  } else {
    if (!Array.isArray(body.schemas)) problems.push("a resource without schemas");
    // RFC 7644 §3.14: the ETag header is the resource's meta.version; §3.3: Location is its meta.location.
    if (body.meta?.version !== undefined && e.etag !== body.meta.version) problems.push(`ETag ${e.etag} but meta.version ${body.meta.version}`);
    if (e.status === 201 && e.location !== body.meta?.location) problems.push(`Location ${e.location} but meta.location ${body.meta?.location}`);
    if (stringsIn(body).some(isIllFormedText)) problems.push("the stored resource holds a NUL or an unpaired surrogate");
  }
  return problems;
}

export function assertScimAnswer(e: Exchange): void {
  const problems = scimProblems(e);
  if (problems.length > 0) throw new AnswerProblem(problems, e);
}

/** Codes the README promises (plus graphql-js's own for unparsable documents); INTERNAL_SERVER_ERROR is a bug. */
const GRAPHQL_CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "BAD_REQUEST", "OPERATION_RESOLUTION_FAILURE"]);

/**
 * A GraphQL answer is well-formed: no 5xx, in time, a JSON object with `data` or `errors`, every
 * error with a message and a known `extensions.code`.
 */
export function graphProblems(e: Exchange): string[] {
  const problems = timingProblems(e);
  if (e.timedOut) return problems;
  const body = e.json;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return [...problems, "the body is not a JSON object"];
  if (!("data" in body) && !("errors" in body)) problems.push("neither data nor errors");
  if (body.errors !== undefined) {
    if (!Array.isArray(body.errors) || body.errors.length === 0) problems.push("errors is not a non-empty list");
    else {
      for (const error of body.errors) {
        if (typeof error?.message !== "string") problems.push("an error without a message");
        const code = error?.extensions?.code;
        if (!GRAPHQL_CODES.has(code)) problems.push(`error code ${JSON.stringify(code)}: ${String(error?.message).slice(0, 200)}`);
      }
    }
  }
  return [...new Set(problems)];
}

export function assertGraphAnswer(e: Exchange): void {
  const problems = graphProblems(e);
  if (problems.length > 0) throw new AnswerProblem(problems, e);
}
