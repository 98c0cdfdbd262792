import { spawn } from "node:child_process";

/** A server running in its own process: the load generator then has the parent's event loop to itself. */
export interface Child {
  /** Base URL captured from the ready line. */
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Arguments after the script, e.g. `["serve"]` for the idgraph CLI. */
  args?: string[];
  /** Node's own flags, before the script. */
  nodeArgs?: string[];
  /**
   * The line that says the server is up; its first capture group is the base URL. The idgraph
   * `serve` command prints `  GraphQL:    http://127.0.0.1:PORT/graphql`, so pass
   * `/GraphQL:\s+(\S+)\/graphql/` for it.
   */
  ready?: RegExp;
  /** How long to wait for the ready line (the real server runs migrations first). */
  timeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  killAfterMs?: number;
}

/** Keep only the tail of stderr: enough to explain a failed start without growing without bound. */
const STDERR_TAIL = 8_000;

/** Starts `node [...nodeArgs] <script> ...args` and resolves once it prints its ready line. */
export function startChild(script: string, env: NodeJS.ProcessEnv = {}, options: ChildOptions = {}): Promise<Child> {
  const ready = options.ready ?? /LISTENING (\S+)/;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const killAfterMs = options.killAfterMs ?? 5_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  let ended = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => { ended = true; resolve(); }));
  // A crash of the parent (bench failure, Ctrl-C) must not leave the server holding its port.
  const killOnExit = () => { if (!ended) child.kill("SIGKILL"); };
  process.once("exit", killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    if (ended) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => { if (!ended) child.kill("SIGKILL"); }, killAfterMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<Child>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`${script} ${why}; stderr:\n${stderr.trim() || "(empty)"}`)));
    };
    const timer = setTimeout(() => fail(`printed no line matching ${ready} within ${timeoutMs} ms`), timeoutMs);
    // Both pipes are drained for the child's whole life: a full pipe would block a server that
    // logs to stdout/stderr, and the bench would measure the stall.
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr = (stderr + chunk).slice(-STDERR_TAIL); });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (settled) return;
      // Match whole lines only: a chunk can end mid-URL, and `\S+` would capture half a port.
      const lines = (stdout + chunk).split("\n");
      stdout = lines.pop() ?? "";
      const url = lines.map((line) => ready.exec(line)?.[1]).find((found) => found);
      if (!url) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url, pid: child.pid as number, stop });
    });
    child.once("error", (error) => fail(`could not be started (${error.message})`));
    child.once("exit", (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`));
  });
}
