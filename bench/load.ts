import autocannon from "autocannon";

/** One measured load run: throughput and latency percentiles, as autocannon reports them. */
export interface LoadResult {
  /** Mean requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses outside 2xx: a benchmark with any is invalid. */
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds to run, or `amount` requests in total. */
  duration?: number;
  amount?: number;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A sequence each connection cycles through (autocannon `requests`). */
  requests?: autocannon.Request[];
  /** Called with the running instance, e.g. to show progress. */
  onStart?: (instance: autocannon.Instance) => void;
}

/** Drives the server with autocannon and returns its summary; fails on any error or non-2xx answer. */
export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  // autocannon rejects keys that are present but undefined, so only set what was given.
  const settings: Record<string, unknown> = { url: options.url, connections: options.connections, pipelining: 1, timeout: 30 };
  if (options.amount) settings.amount = options.amount;
  else settings.duration = options.duration ?? 5;
  for (const key of ["method", "headers", "body", "requests"] as const) if (options[key] !== undefined) settings[key] = options[key];
  if (options.path) settings.url = new URL(options.path, options.url).toString();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings as unknown as autocannon.Options, (error, done) => (error ? reject(error) : resolve(done)));
    options.onStart?.(instance);
  });
  const summary: LoadResult = {
    rps: Math.round(result.requests.mean),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
  if (summary.errors > 0 || summary.non2xx > 0) {
    throw new Error(`load run on ${options.path ?? options.url} had ${summary.errors} errors and ${summary.non2xx} non-2xx answers`);
  }
  return summary;
}

/**
 * Rounds of equal length as one result: mean throughput, the median round's p50 and the worst
 * round's p99 (a slow round is not averaged away).
 */
export function combineRounds(rounds: LoadResult[]): LoadResult {
  const sorted = (pick: (r: LoadResult) => number) => rounds.map(pick).sort((a, b) => a - b);
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    rps: Math.round(sum((r) => r.rps) / rounds.length),
    p50: sorted((r) => r.p50)[Math.floor(rounds.length / 2)],
    p99: Math.max(...rounds.map((r) => r.p99)),
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
  };
}

/**
 * `run` for `seconds`, after an unmeasured run of `warmUpSeconds` (none when 0): a cold server
 * (JIT, the database's page cache) runs at about half speed, and the ceilings are measured warm too.
 */
export async function afterWarmUp<T>(warmUpSeconds: number, seconds: number, run: (seconds: number) => Promise<T>): Promise<T> {
  if (warmUpSeconds > 0) await run(warmUpSeconds);
  return run(seconds);
}

export interface AlternatingRounds {
  warmUpSeconds: number;
  rounds: number;
  roundSeconds: number;
  /** Called after each pair of rounds, e.g. to show progress. */
  onRound?: (round: number, a: LoadResult, b: LoadResult) => void;
}

/**
 * Two loads in alternating rounds (a, b, a, b, …) after a warm-up of each, each combined by
 * combineRounds: flatness is a ratio of two rates, and a shared machine drifts by more than the
 * 10% it allows within minutes, so both rates are taken over the same stretch of time.
 */
export async function alternatingRounds(options: AlternatingRounds, a: (seconds: number) => Promise<LoadResult>, b: (seconds: number) => Promise<LoadResult>): Promise<[LoadResult, LoadResult]> {
  if (options.warmUpSeconds > 0) {
    await a(options.warmUpSeconds);
    await b(options.warmUpSeconds);
  }
  const aRounds: LoadResult[] = [];
  const bRounds: LoadResult[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    aRounds.push(await a(options.roundSeconds));
    bRounds.push(await b(options.roundSeconds));
    options.onRound?.(round, aRounds[round], bRounds[round]);
  }
  return [combineRounds(aRounds), combineRounds(bRounds)];
}

/** The common case: every connection repeats one request, for `seconds`. */
export function measureRequest(url: string, connections: number, seconds: number, request: autocannon.Request): Promise<LoadResult> {
  return measureLoad({ url, connections, duration: seconds, requests: [request] });
}

/** A load run spread over several processes of one fleet. */
export interface SpreadLoadResult extends LoadResult {
  /** Answers by HTTP status, e.g. `{ "201": 2990, "500": 10 }`: what a non-2xx count was made of. */
  statuses: Record<string, number>;
  /** Answers each process gave, in the order of its URL: the load did reach every one. */
  answersPerProcess: number[];
}

export interface SpreadLoadOptions {
  /** One base URL per process: autocannon opens its connections round-robin over them (8 and 8 of 16 on two). */
  urls: string[];
  connections: number;
  /**
   * Seconds to run, or exactly `amount` requests. A timed run closes its sockets when time is up,
   * abandoning the requests in flight (the server may still complete them); with `amount` every
   * request sent has been answered when the run returns, so writes can be counted exactly.
   */
  duration?: number;
  amount?: number;
  request: autocannon.Request;
}

/**
 * Drives several processes at once as one load. Unlike measureLoad it returns errors and non-2xx
 * answers instead of throwing: the fleet reports them (with their statuses) as a failed check.
 */
export async function measureSpreadLoad(options: SpreadLoadOptions): Promise<SpreadLoadResult> {
  const origins = options.urls.map((url) => new URL(url).origin);
  const answersPerProcess = origins.map(() => 0);
  const settings: Record<string, unknown> = { url: options.urls, connections: options.connections, pipelining: 1, timeout: 30, requests: [options.request] };
  if (options.amount) settings.amount = options.amount;
  else settings.duration = options.duration ?? 5;
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings as unknown as autocannon.Options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on("response", (client) => {
      lastAnswer = performance.now();
      // Each client keeps the URL it was given (its `opts`, untyped in @types/autocannon).
      const index = origins.indexOf((client as unknown as { opts: { origin: string } }).opts.origin);
      if (index >= 0) answersPerProcess[index] += 1;
    });
  });
  const requests = result.requests.total;
  const statuses: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = stats.count ?? 0;
  return {
    // autocannon ends a run on its next one-second tick: a run of `amount` requests is timed up to
    // its last answer instead, or its rate would be understated by up to a second.
    rps: Math.round(options.amount ? requests / ((lastAnswer - started) / 1000) : result.requests.mean),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses,
    answersPerProcess,
  };
}

/** Rounds of one spread load as one result, as combineRounds does, their statuses and answers summed. */
export function combineSpreadRounds(rounds: SpreadLoadResult[]): SpreadLoadResult {
  const statuses: Record<string, number> = {};
  for (const round of rounds) for (const [status, count] of Object.entries(round.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const answersPerProcess = rounds[0].answersPerProcess.map((_, i) => rounds.reduce((total, round) => total + round.answersPerProcess[i], 0));
  return { ...combineRounds(rounds), statuses, answersPerProcess };
}
