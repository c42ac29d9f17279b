// Dispatch in real browsers (issue 6): two officers on shift in two contexts; a witness's
// conversation is offered to one of them, who accepts it, replies, then hands it over to the
// colleague with a note the colleague reads and acknowledges; the shift lead's board shows it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, server, browser;

before(async () => {
  dir = tempDir();
  addStaff(dir, "operator", "agent.un");
  addStaff(dir, "operator", "agent.deux");
  addStaff(dir, "supervisor", "chef.salle");
  server = await startServer(dir, await freePort());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

async function onShift(name) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(page, server.base, name, `${name}-secret-password`);
  assert.match(page.url(), /\/staff\/console$/);
  await page.check("input[name=duty][value=on_shift]");
  await Promise.all([page.waitForURL(/\/staff\/console$/), page.click(".duty-form button[type=submit]")]);
  assert.ok(await page.isChecked("input[name=duty][value=on_shift]"));
  return page;
}

test("a conversation is offered to one officer, accepted, answered and handed over with a note", async () => {
  const one = await onShift("agent.un");
  const two = await onShift("agent.deux");
  await expectAccessible(one, "console on shift (fr)");

  const witness = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  await witness.goto(server.base + "/");
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  await witness.click("#receipt-ack");
  // While waiting, the witness is told where they stand.
  await witness.waitForSelector("#queue-info:not([hidden])");
  assert.match(await witness.textContent("#queue-info"), /file d'attente/);

  // Exactly one console shows the offer.
  const offered = await Promise.race([
    one.waitForSelector("#offers-box:not([hidden]) button", { timeout: 15000 }).then(() => one),
    two.waitForSelector("#offers-box:not([hidden]) button", { timeout: 15000 }).then(() => two),
  ]);
  const other = offered === one ? two : one;
  const otherName = offered === one ? "agent.deux" : "agent.un";
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(await other.isHidden("#offers-box"), "offered to one officer only");
  await expectAccessible(offered, "console with an offer (fr)");
  await Promise.all([offered.waitForURL(/\/staff\/conversations\//), offered.click("#offers button.button-primary")]);
  await offered.fill("#officer-message", "Bonjour, je vous écoute.");
  await offered.click("#officer-send button[type=submit]");
  await witness.waitForSelector("#messages li.msg-officer");
  await witness.waitForSelector("#queue-info", { state: "hidden" });

  // Handover to the colleague, with the note; the giver is back on the console.
  await expectAccessible(offered, "conversation with the handover form (fr)");
  await offered.selectOption("#handover-to", { label: otherName });
  await offered.fill("#handover-note", "Deux guetteurs au hall B : demander les horaires.");
  await Promise.all([offered.waitForURL(/\/staff\/console$/), offered.click("#handover-form button[type=submit]")]);

  // The colleague reads the note, acknowledges it, and continues the conversation.
  await other.reload();
  assert.match(await other.textContent("main"), /demander les horaires/);
  await Promise.all([other.waitForURL(/\/staff\/console$/), other.click("form[action$='/acknowledge'] button")]);
  assert.doesNotMatch(await other.textContent("main"), /demander les horaires/);
  await other.waitForSelector("#mine li a");
  await Promise.all([other.waitForURL(/\/staff\/conversations\//), other.click("#mine li a")]);
  await other.fill("#officer-message", "Je prends la suite.");
  await other.click("#officer-send button[type=submit]");
  await witness.waitForSelector("#messages li.msg-officer:nth-of-type(2)");
  const officerLines = await witness.$$eval("#messages li.msg-officer", (li) => li.length);
  assert.equal(officerLines, 2, "the witness only sees the conversation go on");

  // The shift lead's board: both officers on shift and connected.
  const lead = await (await browser.newContext()).newPage();
  await login(lead, server.base, "chef.salle", "chef.salle-secret-password");
  await lead.goto(server.base + "/staff/board");
  assert.match(await lead.textContent("#officers"), /agent\.un/);
  assert.match(await lead.textContent("#officers"), /En service/);
  await expectAccessible(lead, "operations board (fr)");
});
