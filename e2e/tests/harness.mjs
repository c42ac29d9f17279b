// Shared by the browser tests: the real vigie binary on a free port, the CLI, Debian's
// Chromium through playwright-core, and axe-core run inside each page.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.VIGIE_BIN || join(here, "..", "..", "target", "debug", "vigie");
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), "vigie-e2e-"));
}

export function cli(dataDir, args, stdin = "") {
  const out = spawnSync(BIN, [...args, "--data-dir", dataDir], { input: stdin, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`vigie ${args.join(" ")} failed: ${out.stderr}`);
  return out.stdout;
}

export function addStaff(dataDir, role, username, departements = "") {
  const password = `${username}-secret-password`;
  const args = ["staff", "add", "--role", role, "--username", username];
  if (departements) args.push("--departements", departements);
  cli(dataDir, args, password + "\n");
  return password;
}

export async function startServer(dataDir, port) {
  const proc = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start: " + stderr)), 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Vigie listening on")) { clearTimeout(timer); resolve(); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    proc,
    log: () => stderr,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    }),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/// Runs axe-core (WCAG 2.1 A and AA) in the page and fails on any violation.
export async function expectAccessible(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const violations = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("\n    ")}`);
  if (violations.length) {
    throw new Error(`${label}: ${violations.length} accessibility violation(s)\n  ${violations.join("\n  ")}`);
  }
  return result.passes.length;
}

export async function login(page, base, username, password) {
  await page.goto(`${base}/staff/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}
