// Screenshot of a saved Superset chart, taken with headless Chromium from Debian's `chromium`
// package driven by playwright-core (no browser download).
//
//   TIMEPLUS_E2E_ADMIN_PASSWORD=... node screenshot.mjs BASE_URL CHART_ID USERNAME OUTPUT.png
//
// Logs in through Superset's login page, opens the chart in Explore and waits until the chart's
// canvas is drawn. Run by run_e2e.sh --screenshot.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [baseUrl, chartId, username, output] = process.argv.slice(2);
const password = process.env.TIMEPLUS_E2E_ADMIN_PASSWORD;
if (!output || !password) {
  console.error("usage: TIMEPLUS_E2E_ADMIN_PASSWORD=... node screenshot.mjs BASE_URL CHART_ID USERNAME OUTPUT.png");
  process.exit(2);
}

const userDataDir = await import("node:fs").then((fs) =>
  fs.mkdtempSync(`${process.env.TMPDIR || "/tmp"}/superset-chromium-`),
);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 860 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

try {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login/`, { waitUntil: "networkidle" });
  await page.fill('[data-test="username-input"]', username);
  await page.fill('[data-test="password-input"]', password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith("/login"), { timeout: 60000 }),
    page.click('[data-test="login-button"]'),
  ]);
  await page.goto(`${baseUrl}/explore/?slice_id=${chartId}`, { waitUntil: "networkidle" });
  await page.waitForSelector(".chart-container canvas, [data-test=chart-container] canvas", {
    timeout: 120000,
  });
  await page.waitForTimeout(2000); // let the line animation finish
  await page.screenshot({ path: output });
  console.log(`saved ${output}`);
} finally {
  await context.close();
}
