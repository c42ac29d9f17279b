// The whole story in a real browser: a witness and an operator at the same time, a dropped
// connection in the middle, the report qualified, and the analyst reading it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, port, server, browser;

before(async () => {
  dir = tempDir();
  port = await freePort();
  addStaff(dir, "operator", "operateur");
  addStaff(dir, "analyst", "analyste", "59");
  server = await startServer(dir, port);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

test("witness and operator chat live through a reconnect, and the report reaches the analyst", async () => {
  const base = server.base;
  const witnessContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const officerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const witness = await witnessContext.newPage();
  const officer = await officerContext.newPage();
  witness.on("dialog", (d) => d.accept());

  // The witness reads the warnings first.
  await witness.goto(base + "/");
  const intro = await witness.textContent("#intro");
  assert.match(intro, /17/);
  assert.match(intro, /112/);
  assert.match(intro, /45 000 €/);
  assert.ok(await witness.isVisible("a.quick-exit"));
  await expectAccessible(witness, "witness home (fr)");

  // Starts a chat, gets the receipt code, and can write before an officer joins.
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  const receipt = await witness.textContent("#receipt-code");
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
  assert.match(await witness.textContent("#status"), /attente/);
  await expectAccessible(witness, "witness chat, waiting (fr)");
  await witness.fill("#message", "Il y a un point de deal au pied de mon immeuble");
  await witness.click("#send-form button[type=submit]");
  await witness.waitForSelector("#messages li.msg-witness:not(.pending)");
  await witness.click("#receipt-ack");

  // The operator sees it in the live queue and takes it.
  await login(officer, base, "operateur", "operateur-secret-password");
  assert.match(officer.url(), /\/staff\/console$/);
  await officer.waitForSelector("#queue li");
  await expectAccessible(officer, "console (fr)");
  await Promise.all([officer.waitForURL(/\/staff\/conversations\//), officer.click("#take-next")]);
  await officer.waitForSelector("#thread li.msg-witness");
  await expectAccessible(officer, "conversation (fr)");
  await witness.waitForFunction(() => document.querySelector("#status").textContent.includes("policier est avec vous"));

  // Messages go both ways at once.
  await officer.fill("#officer-message", "Bonjour. Dans quelle commune ?");
  await officer.click("#officer-send button[type=submit]");
  await witness.waitForSelector("#messages li.msg-officer");
  assert.equal(await witness.textContent("#messages li.msg-officer .body"), "Bonjour. Dans quelle commune ?");

  // The connection drops (the server restarts); the witness keeps writing; both pages reconnect.
  await server.stop();
  await witness.waitForFunction(() => document.querySelector("#status").textContent.includes("Reconnexion"));
  await witness.fill("#message", "À Lille, résidence des Tilleuls, hall B");
  await witness.click("#send-form button[type=submit]");
  server = await startServer(dir, port);
  await officer.waitForFunction(() => [...document.querySelectorAll("#thread li")].some((li) => li.textContent.includes("résidence des Tilleuls")), null, { timeout: 30000 });
  await witness.waitForSelector("#messages li.pending", { state: "detached", timeout: 30000 });
  await officer.fill("#officer-message", "Merci. Plutôt le soir ?");
  await officer.click("#officer-send button[type=submit]");
  await witness.waitForFunction(() => [...document.querySelectorAll("#messages li")].some((li) => li.textContent.includes("Plutôt le soir")));
  // Every message exactly once, in order.
  const thread = await witness.$$eval("#messages li .body", (els) => els.map((e) => e.textContent));
  assert.deepEqual(thread, [
    "Il y a un point de deal au pied de mon immeuble",
    "Un policier a rejoint la conversation.",
    "Bonjour. Dans quelle commune ?",
    "À Lille, résidence des Tilleuls, hall B",
    "Merci. Plutôt le soir ?",
  ]);

  // An internal note stays on the officer's side.
  await officer.fill("#note", "NOTE-INTERNE déjà signalé en 2025");
  await officer.click("#note-form button[type=submit]");
  await officer.waitForFunction(() => document.querySelector("#notes").textContent.includes("NOTE-INTERNE"));

  // The officer fills the report: a bad value is refused field by field, in French.
  await officer.selectOption("#f-activity", "street_sale");
  await officer.fill("#f-hours_from", "25:00");
  await officer.click("#save-report");
  await officer.waitForSelector("#e-hours_from:not([hidden])");
  assert.match(await officer.textContent("#e-hours_from"), /Heure non valide/);
  await officer.fill("#f-hours_from", "18:00");
  await officer.fill("#f-hours_to", "23:30");
  await officer.fill("#f-commune-search", "Lill");
  await officer.waitForFunction(() => document.querySelectorAll("#commune-options option").length > 0);
  const option = await officer.$eval("#commune-options option", (o) => o.value);
  assert.match(option, /Lille/);
  await officer.fill("#f-commune-search", option);
  await officer.fill("#f-place", "Résidence des Tilleuls, hall B");
  await officer.check("input[name=days][value=fri]");
  await officer.check("input[name=roles][value=lookout]");
  await officer.check("input[name=knowledge][value=seen]");
  await officer.fill("#f-v1-plate", "AB-123-CD");
  await officer.click("#save-report");
  await officer.waitForFunction(() => document.querySelector("#report-status").textContent.includes("version"));
  assert.match(await officer.textContent("#report-version"), /Version 1/);

  // Qualifies: the chat ends on both sides.
  await officer.click("#qualify");
  await officer.waitForSelector("#case-status:not([hidden])");
  assert.match(await officer.textContent("#case-status"), /département 59/);
  await witness.waitForSelector("#ended:not([hidden])");
  assert.ok(!(await witness.textContent("body")).includes("NOTE-INTERNE"));

  // The analyst of the Nord finds it in the inbox and reads it.
  const analystContext = await browser.newContext();
  const analyst = await analystContext.newPage();
  await login(analyst, base, "analyste", "analyste-secret-password");
  assert.match(analyst.url(), /\/staff\/reports$/);
  await expectAccessible(analyst, "inbox (fr)");
  await Promise.all([analyst.waitForNavigation(), analyst.click("table a")]);
  const report = await analyst.textContent("main");
  assert.match(report, /Résidence des Tilleuls, hall B/);
  assert.match(report, /AB-123-CD/);
  assert.match(report, /Lille \(59350\)/);
  await expectAccessible(analyst, "report (fr)");

  // The cell grades it, records a check and concludes, with the page's plain forms.
  assert.match(await analyst.textContent("main"), /F6/);
  await analyst.selectOption("#g-source", "F");
  await analyst.selectOption("#g-credibility", "3");
  await analyst.fill("#g-assessment", "Cohérent avec le secteur");
  await Promise.all([analyst.waitForNavigation(), analyst.click("form[action$='/grading'] button")]);
  assert.match(await analyst.textContent("main"), /Cotation actuelle : F3/);
  await analyst.selectOption("#c-kind", "patrol");
  await analyst.fill("#c-result", "Deux guetteurs vus vers 21 h");
  await Promise.all([analyst.waitForNavigation(), analyst.click("form[action$='/checks'] button")]);
  assert.match(await analyst.textContent(".checks-list"), /Deux guetteurs/);
  await analyst.check("input[name=conclusion][value=corroborated]");
  await Promise.all([analyst.waitForNavigation(), analyst.click("form[action$='/conclusion'] button")]);
  assert.match(await analyst.textContent("main"), /recoupé/);
  await expectAccessible(analyst, "report after analysis (fr)");

  // The witness comes back on another device with the receipt code and sees the whole thread.
  const other = await (await browser.newContext()).newPage();
  await other.goto(base + "/");
  await other.fill("#receipt", receipt);
  await other.click("#resume-form button[type=submit]");
  await other.waitForFunction(() => document.querySelectorAll("#messages li").length >= 6);
  const again = await other.$$eval("#messages li .body", (els) => els.map((e) => e.textContent));
  assert.equal(again.filter((t) => t === "À Lille, résidence des Tilleuls, hall B").length, 1);
  // Nothing kept on the device.
  const storage = await other.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
  assert.deepEqual(storage, [0, 0, ""]);
});
