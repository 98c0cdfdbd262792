/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["reflect-metadata"],
  testTimeout: 60000,
  // Every test file closes what it opens (servers, ORMs, child processes, browsers) in afterAll, so
  // jest exits by itself; forcing the exit would hide a leak. `--detectOpenHandles` names a leak
  // when one appears, but slows the suite by half or more, so it is run by hand, not configured.
  forceExit: false,
  // Transpile only: `npm test` type-checks the whole project once with tsc before jest runs,
  // instead of ts-jest type-checking every test file's import graph again.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
};
