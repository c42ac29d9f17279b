// When WebSockets are blocked (a proxy, a hostile network), the witness page falls back to the
// same protocol over plain HTTP and the conversation goes on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, server, browser;

before(async () => {
  dir = tempDir();
  addStaff(dir, "operator", "agent");
  server = await startServer(dir, await freePort());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

test("with WebSockets blocked, the witness still chats over HTTP", async () => {
  const witness = await (await browser.newContext()).newPage();
  let refused = 0;
  await witness.routeWebSocket(/\/api\/v1\/witness\/ws$/, (ws) => { refused += 1; ws.close({ code: 1006 }); });
  await witness.goto(server.base + "/");
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  await witness.fill("#message", "Message envoyé sans WebSocket");
  await witness.click("#send-form button[type=submit]");

  const officer = await (await browser.newContext()).newPage();
  await login(officer, server.base, "agent", "agent-secret-password");
  await officer.waitForSelector("#queue li");
  await Promise.all([officer.waitForURL(/conversations/), officer.click("#take-next")]);
  await officer.waitForFunction(() => document.querySelector("#thread").textContent.includes("sans WebSocket"), null, { timeout: 30000 });
  await officer.fill("#officer-message", "Bien reçu par HTTP");
  await officer.click("#officer-send button[type=submit]");
  await witness.waitForFunction(() => document.querySelector("#messages").textContent.includes("Bien reçu par HTTP"), null, { timeout: 30000 });
  assert.ok(refused >= 3, `the page tried WebSockets first (${refused} attempts)`);
  const bodies = await witness.$$eval("#messages li .body", (els) => els.map((e) => e.textContent));
  assert.equal(bodies.filter((b) => b === "Message envoyé sans WebSocket").length, 1);
  assert.equal(await witness.locator("#messages li.pending").count(), 0);
});
