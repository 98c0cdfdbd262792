import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { ensureBuilt } from "../helpers/build";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

/** The operator's path: build, create a key before the server runs, then serve and use the key. */
describe("idgraph CLI", () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => execFileSync(process.execPath, ["dist/src/cli/main.js", ...args], { env, encoding: "utf8" });
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  }, 120_000);
  afterAll(async () => {
    // Waits for the server to exit, so neither the process nor its pipes outlive the tests.
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await database.dispose();
  });

  it("migrates a new database, then reports it up to date", () => {
    expect(cli("migrate")).toMatch(/^Applied: Migration\d+/);
    expect(cli("migrate")).toMatch(/up to date/);
  });

  it("creates an admin API key before the server runs, printing it as the last line", () => {
    const lines = cli("api-key", "create", "--role", "admin", "--name", "ops").trim().split("\n");
    expect(lines[lines.length - 1]).toMatch(/^idgk_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  });

  it("serves GraphQL, prints where, and accepts the key it created", async () => {
    const key = cli("api-key", "create", "--role", "admin", "--name", "playground").trim().split("\n").pop() as string;
    server = spawn(process.execPath, ["dist/src/cli/main.js", "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const output = await new Promise<string>((resolve, reject) => {
      let text = "";
      server?.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("api-key create")) resolve(text);
      });
      server?.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
    });
    const graphqlUrl = /GraphQL:\s+(\S+)/.exec(output)?.[1] as string;
    expect(output).toMatch(/Playground:\s+http:\/\/127\.0\.0\.1:\d+\/playground/);
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: "{ viewer { kind canWrite organizationId } }" }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: "api_key", canWrite: true, organizationId: null } } });
  });

  it("refuses a bad role with a clear message and a non-zero exit", () => {
    expect(() => execFileSync(process.execPath, ["dist/src/cli/main.js", "api-key", "create", "--role", "root", "--name", "x"], { env, stdio: "pipe" }))
      .toThrow(/--role must be admin or reader/);
  });
});
