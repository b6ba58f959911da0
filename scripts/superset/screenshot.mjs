// Screenshots of a saved Superset chart and, optionally, of SQL Lab's table preview of a stream
// (its Metadata tab), taken with headless Chromium from Debian's `chromium` package driven by
// playwright-core (no browser download).
//
//   TIMEPLUS_E2E_ADMIN_PASSWORD=... node screenshot.mjs BASE_URL CHART_ID USERNAME OUTPUT.png \
//       [DATABASE_ID STREAM TABLE_OUTPUT.png]
//
// Logs in through Superset's login page, opens the chart in Explore and waits until the chart's
// canvas is drawn; then opens SQL Lab on the database's `default` schema, expands the schema in
// the table tree, pins the stream to the result pane and shows its Metadata tab. Run by
// run_e2e.sh --screenshot (and --table-screenshot).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [baseUrl, chartId, username, output, databaseId, stream, tableOutput] =
  process.argv.slice(2);
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
  if (tableOutput) {
    await tablePreview(page, databaseId, stream, tableOutput);
  }
} finally {
  await context.close();
}

async function tablePreview(page, databaseId, stream, path) {
  const sql = encodeURIComponent(`SELECT * FROM ${stream}`); // a query tab shows the tree
  await page.goto(`${baseUrl}/sqllab/?dbid=${databaseId}&schema=default&sql=${sql}`, {
    waitUntil: "networkidle",
  });
  await page.locator(".tree-node-title", { hasText: "default" }).first().click();
  const row = page.locator(".tree-node-title", { hasText: stream }).first();
  await row.click(); // expands the stream's columns
  await row.hover(); // shows the row's actions: pin it to the result pane
  await page.locator('[aria-label="pushpin"]:visible').first().click();
  await page.getByRole("tab", { name: "Metadata" }).click();
  await page.getByText("Stream mode").waitFor({ timeout: 60000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path });
  console.log(`saved ${path}`);
}
