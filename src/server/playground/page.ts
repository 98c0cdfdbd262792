import { createHash } from "node:crypto";
import type { PlaygroundExample } from "./examples";

export interface PageOptions {
  /** Same-origin paths of the scripts, in load order, and of the style sheets. */
  scripts: string[];
  styles: string[];
  graphqlPath: string;
  /** Where subscriptions go, over graphql-ws (same origin). */
  subscriptionsPath: string;
  examples: PlaygroundExample[];
}

export interface PlaygroundPage {
  html: string;
  contentSecurityPolicy: string;
  etag: string;
}

export const KEY_STORAGE_ITEM = "idgraph.playground.apiKey";

/**
 * The page's own script, plain ES2017 so it needs no build step. The key lives in the input (and
 * in this tab's sessionStorage, so a reload keeps it); the fetcher reads it on every request and
 * sends it only as the Authorization header to the same-origin GraphQL path. GraphiQL keeps its
 * tabs in localStorage but never sees the key, and shouldPersistHeaders stays off.
 */
const SCRIPT = `(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("playground-config").textContent);
  var keyInput = document.getElementById("api-key");
  var status = document.getElementById("api-key-status");
  var STORAGE_ITEM = ${JSON.stringify(KEY_STORAGE_ITEM)};

  function readStored() { try { return sessionStorage.getItem(STORAGE_ITEM) || ""; } catch (e) { return ""; } }
  function store(key) {
    try { if (key) sessionStorage.setItem(STORAGE_ITEM, key); else sessionStorage.removeItem(STORAGE_ITEM); } catch (e) { /* storage disabled: the key just is not kept */ }
  }
  function currentKey() { return keyInput.value.trim(); }
  function showStatus() { status.textContent = currentKey() ? "Key set for this tab" : "No key yet: paste one to run operations"; }

  function makeFetcher() {
    return function (params, options) {
      if (isSubscription(params, options)) return subscribe(params);
      // Inside a promise, so a bad header typed into GraphiQL's headers editor shows as an error.
      return Promise.resolve().then(function () { return send(params, options); });
    };
  }
  // GraphiQL hands over the parsed document when it has one; else the operation's keyword is
  // read from the text (comments removed): the named operation's, or the first one's.
  function isSubscription(params, options) {
    var ast = options && options.documentAST;
    if (ast && ast.definitions) {
      return ast.definitions.some(function (d) {
        return d.kind === "OperationDefinition" && d.operation === "subscription" &&
          (!params.operationName || (d.name && d.name.value === params.operationName));
      });
    }
    var text = String(params.query || "").replace(/#[^\\n\\r]*/g, "");
    var named = params.operationName ? new RegExp("\\\\b(query|mutation|subscription)\\\\s+" + params.operationName + "\\\\b").exec(text) : null;
    var first = named || /(?:^|[\\s}])(query|mutation|subscription)\\b/.exec(text);
    return Boolean(first) && first[1] === "subscription";
  }
  // One graphql-ws connection per key, made on the first subscription; the key goes in
  // connectionParams (a browser cannot set headers on a WebSocket).
  var ws = null, wsKey = null;
  function subscribe(params) {
    var key = currentKey();
    if (!key) return Promise.resolve({ errors: [{ message: "Paste an admin API key into the field above the editor." }] });
    if (!ws || wsKey !== key) {
      if (ws) ws.dispose();
      wsKey = key;
      ws = graphqlWs.createClient({
        url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + config.subscriptionsPath,
        connectionParams: { authorization: "Bearer " + key },
        lazy: true
      });
    }
    return ws.iterate({ query: params.query, variables: params.variables, operationName: params.operationName });
  }
  function send(params, options) {
    var headers = new Headers((options && options.headers) || {});
    var key = currentKey();
    if (key) headers.set("authorization", "Bearer " + key);
    if (!headers.has("authorization")) {
      return Promise.resolve({ errors: [{ message: "Paste an admin API key into the field above the editor." }] });
    }
    headers.set("content-type", "application/json");
    headers.set("accept", "application/graphql-response+json, application/json");
    return fetch(config.graphqlPath, { method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit" })
      .then(function (response) {
        return response.text().then(function (text) {
          try { return JSON.parse(text); } catch (e) { return { errors: [{ message: "HTTP " + response.status + ": " + text.slice(0, 500) }] }; }
        });
      });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render(fetcher) {
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.examples,
      defaultQuery: config.examples[0].query,
      defaultEditorToolsVisibility: "variables",
      shouldPersistHeaders: false
    }));
  }

  // Enter in the key field must not submit the form (and navigate away from the editor).
  document.getElementById("key-bar").addEventListener("submit", function (event) { event.preventDefault(); });
  keyInput.value = readStored();
  showStatus();
  render(makeFetcher());

  var pending;
  keyInput.addEventListener("input", function () {
    store(currentKey());
    showStatus();
    // A new fetcher makes GraphiQL introspect again, now with the new key; debounced so typing
    // a key does not send one introspection per keystroke.
    clearTimeout(pending);
    pending = setTimeout(function () { render(makeFetcher()); }, 400);
  });
  document.getElementById("api-key-forget").addEventListener("click", function () {
    keyInput.value = "";
    store("");
    showStatus();
    render(makeFetcher());
  });
})();`;

const STYLE = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#key-bar { display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; padding: 0.5rem 1rem;
  border-bottom: 1px solid #d0d4da; background: #f6f7f9; font-size: 14px; }
#key-bar label { font-weight: 600; }
#api-key { width: 28rem; max-width: 60vw; font: 13px ui-monospace, monospace; padding: 0.3rem 0.4rem; }
#key-bar small { color: #555; }
#api-key-status { color: #333; }
#graphiql { flex: 1; min-height: 0; }
#graphiql > noscript { display: block; padding: 1rem; }`;

/** Makes JSON safe to place inside a <script> element: no "</script>" or "<!--" can form. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/**
 * Builds the page once at startup. The CSP allows scripts only from this origin plus the one
 * inline script, by hash (the page is static, so a hash lets it be cached, where a nonce would not).
 * The config sits in a JSON data block, which CSP does not execute. Inline styles stay allowed:
 * GraphiQL's dialogs (Radix) inject <style> elements. Fonts and icons in GraphiQL's CSS are data: URLs.
 */
export function renderPlaygroundPage(options: PageOptions): PlaygroundPage {
  const config = scriptSafeJson({ graphqlPath: options.graphqlPath, subscriptionsPath: options.subscriptionsPath, examples: options.examples.map(toTab) });
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${sha256Base64(SCRIPT)}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>idgraph playground</title>
<link rel="icon" href="data:,">
${options.styles.map((href) => `<link rel="stylesheet" href="${escapeAttribute(href)}">`).join("\n")}
<style>${STYLE}</style>
</head>
<body>
<form id="key-bar" autocomplete="off">
  <label for="api-key">Admin API key</label>
  <input id="api-key" name="api-key" type="password" placeholder="paste the key's secret" autocomplete="off" spellcheck="false">
  <button id="api-key-forget" type="button">Forget key</button>
  <span id="api-key-status" role="status"></span>
  <small>Kept only in this browser tab and sent only as <code>Authorization: Bearer</code> to <code>${escapeAttribute(options.graphqlPath)}</code>.</small>
</form>
<div id="graphiql"><noscript>The playground needs JavaScript.</noscript></div>
<script id="playground-config" type="application/json">${config}</script>
${options.scripts.map((src) => `<script src="${escapeAttribute(src)}"></script>`).join("\n")}
<script>${SCRIPT}</script>
</body>
</html>
`;
  return { html, contentSecurityPolicy, etag: `"${sha256Base64(html).slice(0, 22)}"` };
}

/** GraphiQL tabs take variables as editor text, not as an object. */
function toTab(example: PlaygroundExample): { query: string; variables?: string } {
  return example.variables ? { query: example.query, variables: JSON.stringify(example.variables, null, 2) } : { query: example.query };
}
