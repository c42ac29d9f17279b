// Officer comfort (issue 6) in a real browser: the admin keeps canned replies; the officer
// takes the next chat, inserts a canned reply and sends it without touching the mouse; each side
// sees the other typing and reading.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, port, server, browser;

before(async () => {
  dir = tempDir();
  port = await freePort();
  addStaff(dir, "admin", "admin");
  addStaff(dir, "operator", "operateur");
  server = await startServer(dir, port);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

const HELLO = "Bonjour, je suis policier. Je vous écoute : prenez votre temps.";

test("canned replies by keyboard, typing indicators and seen marks between officer and witness", async () => {
  const base = server.base;

  // The admin adds a French canned reply; a refused form says why, field by field.
  const admin = await (await browser.newContext()).newPage();
  await login(admin, base, "admin", "admin-secret-password");
  await admin.goto(base + "/staff/canned");
  await expectAccessible(admin, "canned replies, empty (fr)");
  await Promise.all([admin.waitForNavigation(), admin.click("form[action^='/staff/canned'] button[type=submit]")]);
  assert.match(await admin.textContent("#error-summary"), /Indiquez un titre/);
  await expectAccessible(admin, "canned replies, refused form (fr)");
  await admin.selectOption("#canned-locale", "fr");
  await admin.fill("#canned-title", "Accueil");
  await admin.fill("#canned-body", HELLO);
  await admin.fill("#canned-position", "1");
  await Promise.all([admin.waitForNavigation(), admin.click("form[action^='/staff/canned'] button[type=submit]")]);
  assert.match(await admin.textContent("[role=status]"), /Réponse type « Accueil » ajoutée/);
  assert.match(await admin.textContent("section[aria-labelledby=canned-list-fr]"), /Accueil/);
  await expectAccessible(admin, "canned replies, listed (fr)");
  await Promise.all([admin.waitForNavigation(), admin.click("a[href^='/staff/canned/']")]);
  assert.equal(await admin.inputValue("#canned-title"), "Accueil");
  await expectAccessible(admin, "canned reply, change (fr)");

  // A witness starts a chat and writes.
  const witness = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  witness.on("dialog", (d) => d.accept());
  await witness.goto(base + "/");
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  await witness.click("#receipt-ack");
  await witness.fill("#message", "Bonjour, il y a des guetteurs devant chez moi.");
  await witness.keyboard.press("Enter");
  await witness.waitForSelector("#messages li.msg-witness:not(.pending)");

  // The officer takes the next chat with Alt+N (the help lists it), then works by keyboard.
  const officer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(officer, base, "operateur", "operateur-secret-password");
  await officer.waitForSelector("#queue li");
  assert.match(await officer.textContent("details.shortcuts"), /Alt\s*\+\s*N/);
  await Promise.all([officer.waitForURL(/\/staff\/conversations\//), officer.keyboard.press("Alt+n")]);
  await officer.waitForSelector("#thread li.msg-witness");
  await officer.waitForSelector("#canned-list button");
  assert.match(await officer.textContent("#canned-list"), /Accueil/);

  // The witness reads that the officer is typing, while they type.
  await officer.keyboard.press("Alt+r");
  assert.equal(await officer.evaluate(() => document.activeElement.id), "officer-message");
  await officer.keyboard.type("Un instant");
  await witness.waitForFunction(() => document.querySelector("#typing").textContent === "L'agent écrit…");
  await officer.fill("#officer-message", "");

  // Alt+L goes to the list, Escape back to the message; Alt+1 inserts the first reply without
  // sending it; Ctrl+Enter sends it.
  await officer.keyboard.press("Alt+l");
  assert.match(await officer.evaluate(() => document.activeElement.textContent), /Accueil/);
  await officer.keyboard.press("Escape");
  assert.equal(await officer.evaluate(() => document.activeElement.id), "officer-message");
  await officer.keyboard.press("Alt+1");
  assert.equal(await officer.inputValue("#officer-message"), HELLO);
  assert.match(await officer.textContent("#canned-status"), /Accueil/);
  assert.equal(await officer.$$eval("#thread li.msg-officer", (l) => l.length), 0, "inserted, not sent");
  await officer.keyboard.press("Control+Enter");
  await witness.waitForFunction((text) => [...document.querySelectorAll("#messages li.msg-officer .body")].some((b) => b.textContent === text), HELLO);
  assert.equal(await officer.inputValue("#officer-message"), "");
  // Once a message arrives, "typing" goes away.
  await witness.waitForFunction(() => document.querySelector("#typing").textContent === "");

  // The witness has read it: the officer sees "Vu" under their message; and the other way.
  await officer.waitForFunction(() => {
    const mine = [...document.querySelectorAll("#thread li.msg-officer")];
    return mine.length && mine[mine.length - 1].querySelector(".seen-mark")?.textContent === "Vu par le témoin";
  });
  await witness.waitForFunction(() => document.querySelector("#messages li.msg-witness .seen-mark")?.textContent === "Vu par l'agent");

  // The officer sees the witness typing (the page says so at most every 3.5 s: its first word,
  // before the officer joined, went unheard; typing on past that interval is heard).
  await witness.click("#message");
  await witness.keyboard.type("Ils sont trois, peut-être quatre.", { delay: 130 });
  await officer.waitForFunction(() => document.querySelector("#typing").textContent === "Le témoin écrit…");
  await expectAccessible(officer, "conversation with canned replies, typing and seen (fr)");
  await expectAccessible(witness, "witness chat with typing and seen (fr)");
});
