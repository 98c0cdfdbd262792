import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError, RateLimited, type DomainErrorCode } from "../domain/errors";

/** Domain error code → GraphQL `extensions.code`: the one table for the GraphQL surface. */
const CODES: Record<DomainErrorCode, string> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  INVALID: "BAD_USER_INPUT",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  RATE_LIMITED: "RATE_LIMITED",
};

/** Codes graphql-js and Apollo set themselves for malformed operations; passed through as they are. */
const PROTOCOL_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED", "OPERATION_RESOLUTION_FAILURE", "UNAUTHENTICATED", "FORBIDDEN",
  "RATE_LIMITED"]);

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

/** `status` is set when the whole request is refused before anything runs. */
export function forbidden(message: string, status?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN", ...(status ? { http: { status } } : {}) } });
}

/**
 * A request refused by a rate limit before anything runs (the credential's request limit): HTTP
 * 429 with Retry-After, and `extensions.retryAfter` in seconds for clients that read only the body.
 */
export function rateLimited(error: RateLimited): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: "RATE_LIMITED",
      retryAfter: error.retryAfterSeconds,
      http: { status: 429, headers: new Map([["retry-after", String(error.retryAfterSeconds)]]) },
    },
  });
}

/**
 * An operation refused whole by a rate limit (every error a RateLimited, no field answered: a
 * mutation whose membership change was refused) is answered 429 with Retry-After, as SCIM is. When
 * some fields did run, the answer stays 200 with the refused fields' errors.
 */
export function rateLimitedStatus(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, errors }) {
          if (response.body.kind !== "single" || !errors || errors.length === 0) return;
          const refusals = errors.map((error) => unwrapResolverError(error)).filter((error) => error instanceof RateLimited);
          if (refusals.length < errors.length) return;
          const data = response.body.singleResult.data;
          if (data && Object.values(data).some((value) => value !== null)) return;
          response.http.status = 429;
          response.http.headers.set("retry-after", String(Math.max(...refusals.map((refusal) => refusal.retryAfterSeconds))));
        },
      };
    },
  };
}

/** A document refused before anything runs: too deep, too costly, … (HTTP 400). */
export function validationFailed(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED", ...details, http: { status: 400 } } });
}

/**
 * Apollo's formatError: domain errors keep their message under their code; protocol errors pass
 * through; anything else is a bug, logged by the caller and answered with a generic message so
 * no internals (SQL, stack traces) reach the client.
 */
export function formatGraphError(formatted: GraphQLFormattedError, error: unknown, log: (error: unknown) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    const retry = original instanceof RateLimited ? { retryAfter: original.retryAfterSeconds } : {};
    return { ...formatted, message: original.message, extensions: { code: CODES[original.code], ...retry } };
  }
  const code = refusedWithoutCode(error) ? "BAD_REQUEST" : formatted.extensions?.code;
  if (typeof code === "string" && PROTOCOL_CODES.has(code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    const message = code === "GRAPHQL_PARSE_FAILED" && causedByStackOverflow(error) ? NESTS_TOO_DEEPLY : formatted.message;
    return { ...formatted, message, extensions: { ...extensions, code } };
  }
  log(original);
  return { message: "Internal server error", locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/**
 * A request Apollo refused with a 4xx of its own and no code (a persisted query whose sha256 does
 * not match its text): the client's error, not the server's, whatever code Apollo filled in.
 */
function refusedWithoutCode(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: number } | undefined)?.status;
  return typeof status === "number" && status >= 400 && status < 500;
}

/**
 * graphql-js parses recursively, one call per level of nesting: within the token limit, a
 * document can nest (`[[[[…` or `{a:{a:…`) deeper than the stack allows, and Apollo answers the
 * overflow as a parse failure (400) whose message would only say "Maximum call stack size exceeded".
 */
const NESTS_TOO_DEEPLY = "Syntax Error: the document nests too deeply to be parsed";

function causedByStackOverflow(error: unknown): boolean {
  // Apollo wraps the parser's error twice (SyntaxError → GraphQLError → RangeError).
  let current: unknown = error;
  for (let hops = 0; hops < 4 && current instanceof Error; hops += 1) {
    if (current instanceof RangeError) return true;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return false;
}
