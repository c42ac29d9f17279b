// Shared by the browser tests: the real vigie binary on a free port, the CLI, Debian's
// Chromium through playwright-core, and axe-core run inside each page.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
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

export async function startServer(dataDir, port, extraEnv = {}) {
  // The real proof of work (the page's worker solves it); the no-JavaScript start form waits
  // one second instead of five, so the tests do not sleep.
  const proc = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, VIGIE_NOJS_WAIT_SECONDS: "1", ...extraEnv },
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

// --- the second factor, as a staff member's authenticator app computes it ----------------------
// Every account this process enrolled, by server and username: its secret and last used step.
const authenticators = new Map();

export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${text}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/// The RFC 6238 code (HMAC-SHA1, 6 digits) of a time step.
export function totpCode(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

/// The earliest step after `lastStep` the server still accepts a few seconds from now (it takes
/// the previous, current and next 30-second step); waits for the clock when all are spent.
export async function nextCode(secret, lastStep) {
  for (;;) {
    const now = Date.now();
    const current = Math.floor(now / 30000);
    const earliest = Math.floor((now + 5000) / 30000) - 1;
    const step = lastStep == null ? earliest : Math.max(earliest, lastStep + 1);
    if (step <= current + 1) return { code: totpCode(secret, step), step };
    await new Promise((resolve) => setTimeout(resolve, (step - 1) * 30000 - now + 200));
  }
}

/// Logs in through both factors as a staff member does: the password, then (enrolling the
/// authenticator from the key the page writes out, the first time) the app's code.
export async function login(page, base, username, password) {
  await page.goto(`${base}/staff/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (!(await page.$("#code"))) return;
  const key = `${base} ${username}`;
  const shown = await page.$("#totp-secret");
  if (shown) authenticators.set(key, { secret: base32Decode(await shown.textContent()), lastStep: null });
  const auth = authenticators.get(key);
  if (!auth) throw new Error(`${username}: a code is asked, but this process never enrolled the account`);
  const { code, step } = await nextCode(auth.secret, auth.lastStep);
  await page.fill("#code", code);
  await Promise.all([page.waitForNavigation(), page.click("form[action='/staff/login/totp'] button[type=submit]")]);
  if (!(await page.$("#code"))) auth.lastStep = step;
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}
