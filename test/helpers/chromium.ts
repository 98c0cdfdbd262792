import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's chromium package; playwright-core drives it and never downloads a browser of its own. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * The machines have no internet: without the background-networking flags Chromium keeps trying
 * to reach Google's hosts at startup. Tests run as root, hence --no-sandbox.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless=new",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium binary; throws rather than letting browser tests pass without a browser. */
export function chromiumExecutable(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; browser tests need it and are never skipped. ` +
        "Install Debian's package: apt-get install -y chromium (.ci/run does this in CI).",
    );
  }
  return CHROMIUM_PATH;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Starts headless Chromium on a fresh, empty profile, so no storage leaks between runs. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const executablePath = chromiumExecutable();
  const userDataDir = mkdtempSync(join(tmpdir(), "idgraph-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_ARGS });
    return {
      context,
      async close() {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
