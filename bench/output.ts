/**
 * Where a run's results go: a JSON file per run (bench/results/ for recorded runs) and, for a
 * recorded run, its Markdown table in the README between the markers of its block.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Check } from "./report";

/** One run as main records it. */
export interface RecordedRun {
  /** The results file's name without `.json`, e.g. `2026-12-01-sqlite` or `2026-12-01-sqlite-1m`. */
  name: string;
  results: unknown;
  markdown: string;
  checks: Check[];
  /** The README block its table goes to (see updateReadme). */
  readmeBlock: string;
}

const README = join(__dirname, "..", "..", "README.md");
export const RESULTS_DIR = join(__dirname, "..", "..", "bench", "results");

/** Writes `results` as `<dir>/<name>.json` and returns the file's path. */
export function writeResults(dir: string, name: string, results: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/**
 * The README carries each block's latest table between `<!-- bench:<block>:start -->` and
 * `<!-- bench:<block>:end -->` (blocks: `sqlite`, `postgres`, `sqlite:1m`, …); a README without a
 * block's markers (yet) is left as it is.
 */
export function updateReadme(block: string, markdown: string, log: (line: string) => void): void {
  const startMarker = `<!-- bench:${block}:start -->`;
  const endMarker = `<!-- bench:${block}:end -->`;
  const readme = readFileSync(README, "utf8");
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) {
    log(`README.md has no ${startMarker} … ${endMarker} block: its table is left to copy from above`);
    return;
  }
  writeFileSync(README, `${readme.slice(0, start + startMarker.length)}\n${markdown}\n${readme.slice(end)}`);
  log(`README.md ${block} table updated`);
}
