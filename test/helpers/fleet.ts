import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { ensureBuilt } from "./build";
import { createTestDatabase, type TestDatabase } from "./database";
import { serverEndpoint, type ServerEndpoint } from "./server";

/** One `idgraph serve` process of a fleet. */
export interface FleetMember extends ServerEndpoint {
  process: ChildProcess;
}

export interface Fleet {
  database: TestDatabase;
  members: FleetMember[];
  /** Stops every process (SIGTERM, waiting for each to exit) and drops the database. */
  close(): Promise<void>;
}

const CLI = "dist/src/cli/main.js";

/**
 * Starts `count` real server processes at the same moment on one fresh database of the kind under
 * test (so they also race to migrate it), then creates one global admin key with the CLI, as an
 * operator would. Each member speaks GraphQL with that key.
 */
export async function startFleet(count: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Fleet> {
  ensureBuilt();
  const database = await createTestDatabase();
  const env = { ...process.env, ...extraEnv, DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer(env)));
  const processes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value.process] : []));
  const close = async () => {
    await Promise.all(processes.map(stopProcess));
    await database.dispose();
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await close();
    throw failed.reason;
  }
  const adminKey = execFileSync(process.execPath, [CLI, "api-key", "create", "--role", "admin", "--name", "fleet"], { env, encoding: "utf8" }).trim().split("\n").pop() as string;
  const members = started.map((s) => {
    const { url, process: child } = (s as PromiseFulfilledResult<{ url: string; process: ChildProcess }>).value;
    return { ...serverEndpoint(url, adminKey), process: child };
  });
  return { database, members, close };
}

/** Spawns `idgraph serve` and resolves with its base URL once the banner says where it listens. */
export function startServer(env: NodeJS.ProcessEnv): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /GraphQL:\s+(\S+)\/graphql/.exec(output)?.[1];
      if (url) resolve({ url, process: child });
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => reject(new Error(`idgraph serve exited with ${code} before listening:\n${output}`)));
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
