import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

/** One file the playground page loads, held in memory and served from a fixed allow-list. */
export interface PlaygroundAsset {
  /** The URL segment under `<prefix>/assets/`; carries a content hash, so it can be cached forever. */
  name: string;
  kind: "script" | "style";
  contentType: string;
  body: Buffer;
  etag: string;
  /** Compressed on first request rather than at startup: every test server builds the app. */
  gzipped?: Promise<Buffer>;
}

/**
 * The only files served, in the order the page loads them: React before ReactDOM before GraphiQL,
 * whose UMD build reads the `React` and `ReactDOM` globals. Always the production builds.
 */
const SOURCES = [
  { base: "react", pkg: "react", file: "umd/react.production.min.js", kind: "script" },
  { base: "react-dom", pkg: "react-dom", file: "umd/react-dom.production.min.js", kind: "script" },
  { base: "graphiql", pkg: "graphiql", file: "dist/index.umd.js", kind: "script" },
  { base: "graphiql", pkg: "graphiql", file: "dist/style.css", kind: "style" },
  // The graphql-ws client (global `graphqlWs`), for subscriptions.
  { base: "graphql-ws", pkg: "graphql-ws", file: "umd/graphql-ws.min.js", kind: "script" },
] as const;

const CONTENT_TYPES = {
  // utf-8 matters: GraphiQL's result pane shows "Â" before every indent when the script is read as Latin-1.
  script: "text/javascript; charset=utf-8",
  style: "text/css; charset=utf-8",
};

/**
 * A file inside an installed package. graphiql's and react's `exports` maps hide dist/ and umd/
 * from require.resolve, but export package.json, so the package root is found through it.
 */
function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Reads every asset once; throws at startup if a package is missing rather than serving a broken page. */
export function loadPlaygroundAssets(): PlaygroundAsset[] {
  return SOURCES.map((source) => {
    const body = readFileSync(packageFile(source.pkg, source.file));
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
    const extension = source.kind === "script" ? "js" : "css";
    return {
      name: `${source.base}.${hash}.${extension}`,
      kind: source.kind,
      contentType: CONTENT_TYPES[source.kind],
      body,
      etag: `"${hash}"`,
    };
  });
}

export function gzippedBody(asset: PlaygroundAsset): Promise<Buffer> {
  asset.gzipped ??= gzipAsync(asset.body);
  return asset.gzipped;
}
