import type { FastifyInstance, FastifyRequest } from "fastify";
import { gzippedBody, loadPlaygroundAssets, type PlaygroundAsset } from "./playground/assets";
import { PLAYGROUND_EXAMPLES } from "./playground/examples";
import { renderPlaygroundPage } from "./playground/page";

export const PLAYGROUND_PATH = "/playground";
export { PLAYGROUND_EXAMPLES, type PlaygroundExample } from "./playground/examples";

/** Asset names carry a content hash, so browsers may keep them until the next upgrade changes the name. */
const ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable";
/** The page names this build's asset hashes: revalidate it every time (cheap, thanks to the ETag). */
const PAGE_CACHE_CONTROL = "no-cache";

/**
 * The GraphiQL playground, served entirely by idgraph: the page at the plugin's prefix and its five
 * files under `<prefix>/assets/`, read from node_modules at startup. No CDN is involved, so the
 * IDE works on networks without internet access. Only the files in the allow-list are served:
 * the asset route looks names up in a map, so no request can reach the file system.
 */
export async function playgroundPlugin(app: FastifyInstance, options: { graphqlPath: string; subscriptionsPath: string }): Promise<void> {
  const assets = loadPlaygroundAssets();
  const byName = new Map<string, PlaygroundAsset>(assets.map((asset) => [asset.name, asset]));
  const url = (asset: PlaygroundAsset) => `${app.prefix}/assets/${asset.name}`;
  const page = renderPlaygroundPage({
    scripts: assets.filter((asset) => asset.kind === "script").map(url),
    styles: assets.filter((asset) => asset.kind === "style").map(url),
    graphqlPath: options.graphqlPath,
    subscriptionsPath: options.subscriptionsPath,
    examples: PLAYGROUND_EXAMPLES,
  });

  app.get("/", async (request, reply) => {
    reply.headers({
      "content-security-policy": page.contentSecurityPolicy,
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "cross-origin-opener-policy": "same-origin",
      "cache-control": PAGE_CACHE_CONTROL,
      etag: page.etag,
    });
    if (notModified(request, page.etag)) return reply.code(304).send();
    return reply.type("text/html; charset=utf-8").send(page.html);
  });

  app.get<{ Params: { name: string } }>("/assets/:name", async (request, reply) => {
    const asset = byName.get(request.params.name);
    if (!asset) return reply.code(404).type("text/plain; charset=utf-8").send("Not found\n");
    reply.headers({
      "content-type": asset.contentType,
      "x-content-type-options": "nosniff",
      "cache-control": ASSET_CACHE_CONTROL,
      etag: asset.etag,
      vary: "accept-encoding",
    });
    if (notModified(request, asset.etag)) return reply.code(304).send();
    // GraphiQL is about 1 MB: compress it for admins on slow links.
    if (acceptsGzip(request)) return reply.header("content-encoding", "gzip").send(await gzippedBody(asset));
    return reply.send(asset.body);
  });
}

function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers["if-none-match"];
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers["accept-encoding"];
  if (typeof header !== "string") return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const refused = params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
    return (coding.trim() === "gzip" || coding.trim() === "*") && !refused;
  });
}
