import type { Target } from "./scim";

/** Latency percentiles of requests sent one at a time, in ms to a tenth. */
export interface Latency {
  p50: number;
  p99: number;
}

export interface LimitsResult {
  /** Requests of each kind. */
  requests: number;
  normal: Latency;
  fanOut: Latency;
}

/** 29 fragments each spreading the previous one twice: 2^29 spreads in about 1 KB (issue 10). */
export const FAN_OUT_DOCUMENT = (() => {
  let fragments = "fragment F0 on Viewer { id kind }\n";
  for (let i = 1; i <= 29; i += 1) fragments += `fragment F${i} on Viewer { ...F${i - 1} ...F${i - 1} }\n`;
  return `{ viewer { ...F29 } }\n${fragments}`;
})();
const NORMAL_QUERY = `{ viewer { id kind } }`;

/**
 * graph.limits: the fan-out document, refused (400) before any resolver runs, against a normal
 * query answered (200), with the tenant's READER key. They alternate, one request at a time, so
 * both are measured over the same stretch of a shared machine. The refusal once held the event
 * loop for minutes; it should now cost about what the normal query costs.
 */
export async function graphLimits(target: Target, requests: number): Promise<LimitsResult> {
  const normal: number[] = [];
  const fanOut: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    normal.push(await timedRequest(target, NORMAL_QUERY, 200));
    fanOut.push(await timedRequest(target, FAN_OUT_DOCUMENT, 400));
  }
  return { requests, normal: percentiles(normal), fanOut: percentiles(fanOut) };
}

async function timedRequest(target: Target, query: string, expectedStatus: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${target.url}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== expectedStatus) throw new Error(`graph.limits: expected ${expectedStatus}, got ${response.status}: ${body.slice(0, 300)}`);
  return elapsed;
}

/** p50 and p99 of latencies in ms, to a tenth. */
export function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { p50: at(0.5), p99: at(0.99) };
}
