import type { Page } from "playwright-core";
import { launchChromium, type LaunchedChromium } from "../helpers/chromium";
import { startTestServer, type TestServer } from "../helpers/server";

// Functions passed to page.evaluate run in the browser. The project compiles without the DOM lib,
// so the few browser globals they use are declared here, scoped to this module.
interface BrowserElement { textContent: string | null; CodeMirror?: { setValue(text: string): void } }
declare const document: { querySelector(selector: string): BrowserElement | null };
declare const sessionStorage: Record<string, string> & { length: number };
declare const localStorage: Record<string, string>;

/**
 * Drives the real playground in headless Chromium against a real server: the page must load its
 * own assets, take the key from the input, and show the result of a query run from GraphiQL.
 * Chromium missing is a failure, not a skip (see helpers/chromium).
 */
describe("playground in a browser", () => {
  let server: TestServer;
  let browser: LaunchedChromium;
  let page: Page;
  const problems: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  // A tab of its own for each test: sessionStorage (where the key is kept) is per tab.
  beforeEach(async () => {
    problems.length = 0;
    requested.length = 0;
    page = await browser.context.newPage();
    page.on("console", (message) => { if (message.type() === "error") problems.push(`console: ${message.text()}`); });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
    page.on("request", (request) => requested.push(request.url()));
  });
  afterEach(async () => {
    await page?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Waits for GraphiQL to render; when it does not, the error names what broke the page. */
  const waitForGraphiql = async () => {
    try {
      await page.locator(".graphiql-execute-button").waitFor({ state: "visible", timeout: 15_000 });
    } catch (error) {
      throw new Error(`GraphiQL did not render: ${problems.join("\n") || (error as Error).message}`, { cause: error });
    }
  };
  const resultText = () => page.locator(".graphiql-response .result-window").innerText();
  const setQuery = (query: string) =>
    page.evaluate((text) => {
      // GraphiQL's editors are CodeMirror 5 instances; setting the text directly avoids the
      // editor's auto-closing brackets mangling typed input.
      const editor = document.querySelector(".graphiql-query-editor .CodeMirror");
      if (!editor?.CodeMirror) throw new Error("GraphiQL's query editor is not on the page");
      editor.CodeMirror.setValue(text);
    }, query);

  it("runs a query with the pasted admin key and shows the result", async () => {
    const org = await server.ok<{ createOrganization: { id: string } }>(`mutation { createOrganization(input: { name: "Browser Ünïcode Org" }) { id } }`);
    const orgId = org.createOrganization.id;

    const response = await page.goto(`${server.url}/playground`);
    expect(response?.status()).toBe(200);
    await waitForGraphiql();
    // The examples are open as tabs; the first one is the viewer query.
    await expect(page.locator(".graphiql-tab").count()).resolves.toBeGreaterThanOrEqual(10);

    // Without a key the fetcher answers locally and sends nothing.
    await setQuery("{ viewer { kind } }");
    await page.click(".graphiql-execute-button");
    await page.waitForFunction(() => document.querySelector(".graphiql-response .result-window")?.textContent?.includes("Paste an admin API key"));
    expect(requested.filter((url) => url.endsWith("/graphql"))).toEqual([]);

    // Typing the key makes GraphiQL fetch the schema again, now authorised.
    const introspection = page.waitForResponse((r) => r.url() === `${server.url}/graphql` && (r.request().postData() ?? "").includes("__schema"));
    await page.getByLabel("Admin API key").fill(server.adminKey);
    expect((await introspection).status()).toBe(200);

    await setQuery(`query Check { viewer { kind canWrite } organization(id: "${orgId}") { id name } }`);
    const queryRequest = page.waitForRequest((r) => r.url() === `${server.url}/graphql` && (r.postData() ?? "").includes("Check"));
    await page.click(".graphiql-execute-button");
    const sent = await queryRequest;
    expect(sent.headers()["authorization"]).toBe(`Bearer ${server.adminKey}`);

    await page.waitForFunction(() => document.querySelector(".graphiql-response .result-window")?.textContent?.includes("canWrite"));
    const text = await resultText();
    // The pane shows the JSON with its indentation; a wrong charset would show "Â" before each indent.
    const shown = JSON.parse(text.replace(/\u00a0/g, " "));
    expect(shown).toEqual({ data: { viewer: { kind: "api_key", canWrite: true }, organization: { id: orgId, name: "Browser Ünïcode Org" } } });
    expect(text).not.toContain("Â");

    // The key stays in this tab's sessionStorage and nowhere else the page can write.
    const storage = await page.evaluate(() => ({ session: { ...sessionStorage }, local: JSON.stringify({ ...localStorage }) }));
    expect(Object.values(storage.session)).toContain(server.adminKey);
    expect(storage.local).not.toContain(server.adminKey);
    expect(await page.context().cookies()).toEqual([]);

    // Everything came from the server itself: no CDN, no CSP violation, no script error.
    const foreign = requested.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith("data:"));
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("runs a subscription over graphql-ws and shows the events as they come", async () => {
    const org = (await server.ok<{ createOrganization: { id: string } }>(`mutation { createOrganization(input: { name: "Live in the browser" }) { id } }`)).createOrganization.id;
    await page.goto(`${server.url}/playground`);
    await waitForGraphiql();
    await page.getByLabel("Admin API key").fill(server.adminKey);
    await setQuery(`subscription Live { directoryEvents(organizationId: "${org}") { type targetId } }`);
    // GraphiQL parses the editor's text a moment after it changes (the operation it runs comes from that).
    await page.waitForTimeout(700);
    const socket = page.waitForEvent("websocket", { timeout: 5_000 }).catch((error: unknown) => {
      throw new Error(`no WebSocket opened: ${problems.join("\n")}`, { cause: error });
    });
    await page.click(".graphiql-execute-button");
    expect((await socket).url()).toBe(`${server.url.replace("http", "ws")}/graphql/ws`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // subscribed
    const userId = (await server.ok<{ createUser: { id: string } }>(`mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "live@browser.test"}) { id } }`, { o: org })).createUser.id;
    await page.waitForFunction((id) => document.querySelector(".graphiql-response .result-window")?.textContent?.includes(id) ?? false, userId, { timeout: 10_000 });
    expect(await resultText()).toContain("user.create");
    expect(problems).toEqual([]);
  });

  it("keeps the key across a reload and forgets it on request", async () => {
    await page.goto(`${server.url}/playground`);
    await waitForGraphiql();
    await page.getByLabel("Admin API key").fill(server.adminKey);
    await page.reload();
    await waitForGraphiql();
    await expect(page.getByLabel("Admin API key").inputValue()).resolves.toBe(server.adminKey);
    await page.getByRole("button", { name: "Forget key" }).click();
    await expect(page.getByLabel("Admin API key").inputValue()).resolves.toBe("");
    await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
});
