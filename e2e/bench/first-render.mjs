// First render of a page in headless Chromium on a phone-sized screen, for the benchmark B8
// (`vigie-loadgen bench --only B8` runs it). Usage: node e2e/bench/first-render.mjs <url>
//
// Opens <url> in a fresh browser (empty cache), waits for the load event, and prints one JSON
// line: the first contentful paint, DOMContentLoaded and load (milliseconds since navigation
// start), every request the page made (page.on("request"), WebSockets included), and those that
// went to another origin than <url>'s. Debian's Chromium, as the browser tests use it
// (CHROMIUM overrides /usr/bin/chromium).
import { chromium } from "playwright-core";
import { existsSync } from "node:fs";

const target = process.argv[2];
if (!target) {
  console.error("usage: node e2e/bench/first-render.mjs <url>");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM)`);
  process.exit(3);
}

const origin = new URL(target);

// Whether a URL leaves the page's server. data:, blob: and about: URLs make no network request;
// ws:// and wss:// to the same host and port are the page's own server.
function isThirdParty(raw) {
  let u;
  try {
    u = new URL(raw);
  } catch {
    return true;
  }
  if (["data:", "blob:", "about:"].includes(u.protocol)) return false;
  return u.host !== origin.host;
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
try {
  // A mid-range phone: 390 × 844 CSS pixels at 3×, touch.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("websocket", (ws) => requests.push(ws.url()));

  const response = await page.goto(target, { waitUntil: "load", timeout: 30000 });
  if (!response || !response.ok()) {
    throw new Error(`GET ${target} answered ${response ? response.status() : "nothing"}`);
  }
  // The paint entry can be queued a little after the load event: observe it, buffered, and give
  // up after five seconds (then it is reported as null, never invented).
  const timings = await page.evaluate(() => new Promise((resolve) => {
    const finish = () => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint");
      const fp = performance.getEntriesByType("paint").find((e) => e.name === "first-paint");
      resolve({
        fcp_ms: fcp ? fcp.startTime : null,
        first_paint_ms: fp ? fp.startTime : null,
        dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
        load_ms: nav ? nav.loadEventEnd : null,
        transfer_bytes: nav ? nav.transferSize : null,
      });
    };
    const ready = () => {
      const nav = performance.getEntriesByType("navigation")[0];
      const painted = performance.getEntriesByType("paint").some((e) => e.name === "first-contentful-paint");
      return painted && nav && nav.loadEventEnd > 0;
    };
    if (ready()) return finish();
    const started = Date.now();
    const poll = () => (ready() || Date.now() - started > 5000 ? finish() : setTimeout(poll, 20));
    poll();
  }));
  // Let anything the scripts start right after load (a worker, a fetch) be seen.
  await page.waitForTimeout(500);
  const thirdParty = requests.filter(isThirdParty);
  console.log(JSON.stringify({
    url: target,
    ...timings,
    requests,
    third_party: thirdParty.length,
    third_party_urls: thirdParty,
  }));
  await context.close();
} finally {
  await browser.close();
}
