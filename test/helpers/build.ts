import { execFileSync } from "node:child_process";

/**
 * Compiles the project to dist/ for the tests that run it as a user would (the CLI, the bench).
 * `npm test` compiles once before jest (type-checking and emitting the same tree) and says so
 * with IDGRAPH_TEST_BUILT=1, so the suite pays for one build, not one per such test file; a test
 * file run alone builds for itself.
 */
export function ensureBuilt(): void {
  if (process.env.IDGRAPH_TEST_BUILT === "1") return;
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
