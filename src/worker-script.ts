import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts the worker thread whose script is `<dir>/<name>.js` — the compiled server's — or, when
 * there is none, `<dir>/<name>.ts` from the sources: the tests run the server from src/ under
 * ts-jest, whose transform does not reach worker threads, so there .ts files are transpiled as the
 * worker requires them. The sender worker (delivery/) and SQLite's writer thread (store/) start so.
 */
export function startWorkerScript(dir: string, name: string, options: Omit<WorkerOptions, "eval">): Worker {
  const compiled = join(dir, `${name}.js`);
  if (existsSync(compiled)) return new Worker(compiled, options);
  return new Worker(fromTypeScriptSources(join(dir, `${name}.ts`)), { ...options, eval: true });
}

function fromTypeScriptSources(script: string): string {
  return `
const { readFileSync } = require("node:fs");
const ts = require("typescript");
require.extensions[".ts"] = (module, filename) => module._compile(ts.transpileModule(readFileSync(filename, "utf8"), {
  fileName: filename,
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false },
}).outputText, filename);
require(${JSON.stringify(script)});
`;
}
