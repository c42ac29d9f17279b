// The witness with JavaScript turned off (Tor Browser's "safest" level): plain forms posted to
// "/", the officer's replies read with the "Refresh" button, while an officer (script on) answers
// live. Then the quick exit, which without a script is a plain link to a neutral site.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

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

/// Submits with a click and waits for the page the server answers.
async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

// axe-core needs scripts to run (its promises and timers do not progress in a page with
// JavaScript turned off), so the no-script page is checked as drawn: its HTML, scripts removed and
// <noscript> content shown as that browser shows it, loaded on the same origin in a page where
// scripts run.
let axePage;
async function expectAccessibleWithoutScript(page, label) {
  const html = (await page.content())
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "")
    .replace(/<noscript>/gi, "<div>")
    .replace(/<\/noscript>/gi, "</div>");
  if (!axePage) {
    axePage = await (await browser.newContext({ viewport: page.viewportSize() })).newPage();
    await axePage.goto(server.base + "/nowhere");
  }
  await axePage.setContent(html, { waitUntil: "load" });
  assert.equal(await axePage.$("script"), null);
  return expectAccessible(axePage, label);
}

async function thread(page) {
  return page.$$eval("#messages li .body", (els) => els.map((e) => e.textContent));
}

test("without JavaScript a witness starts, writes, reads the replies and ends", async () => {
  const base = server.base;
  const witnessContext = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true });
  // The neutral site of the quick exit, answered here: the test runs offline.
  await witnessContext.route("https://meteofrance.com/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: "<!doctype html><title>Météo</title><p>Prévisions</p>" }));
  const witness = await witnessContext.newPage();
  const requests = [];
  witness.on("request", (r) => requests.push(`${r.method()} ${r.url()}`));

  await witness.goto(base + "/");
  assert.ok(await witness.isVisible("noscript, .notice"));
  assert.match(await witness.textContent("main"), /Rafraîchir/);
  await expectAccessibleWithoutScript(witness, "witness home without JavaScript (fr)");

  // Start: the receipt code is shown, the address stays "/", the token is only in the form.
  await witness.waitForTimeout(1100); // the start form's wait ticket matures (VIGIE_NOJS_WAIT_SECONDS=1)
  await submit(witness, "#start");
  assert.equal(new URL(witness.url()).pathname, "/");
  const receipt = (await witness.textContent("#receipt-code")).trim();
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
  assert.match(await witness.textContent("#status"), /attente/);
  assert.ok(await witness.isHidden("#intro"));
  const token = await witness.getAttribute("#send-form input[name=token]", "value");
  assert.ok(token && token.length > 20);
  await expectAccessibleWithoutScript(witness, "witness chat without JavaScript, receipt (fr)");

  // "I have written my code down" draws the page again without the code.
  await submit(witness, "#receipt-ack");
  assert.equal(await witness.$("#receipt-code"), null);

  // Two messages through the form.
  await witness.fill("#message", "Ça vend au pied de la tour B, tous les soirs");
  await submit(witness, "#send-form button[value=send]");
  await witness.fill("#message", "Deux guetteurs sur le parking");
  await submit(witness, "#send-form button[value=send]");
  assert.deepEqual(await thread(witness), ["Ça vend au pied de la tour B, tous les soirs", "Deux guetteurs sur le parking"]);
  assert.equal(await witness.inputValue("#message"), "");

  // An empty message is refused on the page, in French.
  await submit(witness, "#send-form button[value=send]");
  assert.ok(await witness.isVisible("#send-error"));
  assert.equal((await witness.textContent("#send-error")).trim(), "Le message est vide.");
  await expectAccessibleWithoutScript(witness, "witness chat without JavaScript, error (fr)");

  // The officer, script on, takes the conversation and answers.
  const officer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(officer, base, "agent", "agent-secret-password");
  await officer.waitForSelector("#queue li");
  await Promise.all([officer.waitForURL(/\/staff\/conversations\//), officer.click("#take-next")]);
  await officer.waitForFunction(() => document.querySelector("#thread").textContent.includes("Deux guetteurs"));
  await officer.fill("#officer-message", "Bonjour. Dans quelle commune ?");
  await officer.click("#officer-send button[type=submit]");
  await officer.waitForFunction(() => [...document.querySelectorAll("#thread li")].some((li) => li.textContent.includes("Dans quelle commune")));

  // The witness starts an answer, presses "Refresh": the reply is there, the draft kept.
  await witness.fill("#message", "À Roubaix");
  await submit(witness, "#refresh");
  assert.deepEqual(await thread(witness), [
    "Ça vend au pied de la tour B, tous les soirs",
    "Deux guetteurs sur le parking",
    "Un policier a rejoint la conversation.",
    "Bonjour. Dans quelle commune ?",
  ]);
  assert.equal((await witness.textContent("#messages li.msg-officer .who")).trim(), "Policier");
  assert.match(await witness.textContent("#status"), /policier est avec vous/);
  assert.equal(await witness.inputValue("#message"), "À Roubaix");
  await submit(witness, "#send-form button[value=send]");
  await officer.waitForFunction(() => document.querySelector("#thread").textContent.includes("À Roubaix"));

  // Reloading re-posts the last form (the browser asks first): the message is not written twice.
  await witness.reload();
  assert.equal((await thread(witness)).filter((t) => t === "À Roubaix").length, 1);

  // The language switch keeps the conversation: it re-posts the form in English.
  await submit(witness, "button.lang-switch");
  assert.equal(await witness.getAttribute("html", "lang"), "en");
  assert.equal((await witness.textContent("#messages li.msg-officer .who")).trim(), "Officer");
  assert.equal(new URL(witness.url()).search, "?lang=en");
  await expectAccessibleWithoutScript(witness, "witness chat without JavaScript (en)");
  await submit(witness, "#send-form button[value=send]");
  assert.equal((await witness.textContent("#send-error")).trim(), "The message is empty.");
  await submit(witness, "button.lang-switch");
  assert.equal(await witness.getAttribute("html", "lang"), "fr");

  // Ending asks first, then ends; the officer's page sees it.
  await submit(witness, "#end");
  assert.match(await witness.textContent("#end-confirm"), /Terminer la conversation \?/);
  await expectAccessibleWithoutScript(witness, "witness end confirmation without JavaScript (fr)");
  await submit(witness, "#end-yes");
  assert.ok(await witness.isVisible("#ended"));
  assert.equal(await witness.$("#send-form"), null);
  assert.equal((await thread(witness)).at(-1), "Vous avez terminé la conversation.");
  await officer.waitForFunction(() => document.querySelector("#thread").textContent.includes("témoin"), null, { timeout: 15000 }).catch(() => {});

  // The receipt code brings the thread back, without a script.
  await witness.goto(base + "/");
  await witness.fill("#receipt", receipt);
  await submit(witness, "#resume-form button[type=submit]");
  const again = await thread(witness);
  assert.equal(again.filter((t) => t === "Deux guetteurs sur le parking").length, 1);
  assert.equal(again.at(-1), "Vous avez terminé la conversation.");
  // A wrong code is refused on the page.
  await witness.goto(base + "/");
  await witness.fill("#receipt", "1234");
  await submit(witness, "#resume-form button[type=submit]");
  assert.ok(await witness.isVisible("#resume-error"));
  assert.match(await witness.textContent("#resume-error"), /Ce code ne correspond/);
  await expectAccessibleWithoutScript(witness, "witness resume error without JavaScript (fr)");

  // Only "/" and static files were asked for; the token never in an address; no API call.
  for (const r of requests.filter((r) => r.includes(base))) {
    assert.match(r, /^(GET|POST) http:\/\/127\.0\.0\.1:\d+\/(\?lang=(en|fr))?(#message)?$|^GET http:\/\/127\.0\.0\.1:\d+\/static\//, r);
    assert.ok(!r.includes(token), r);
  }
  // Nothing kept: no cookie.
  assert.deepEqual(await witnessContext.cookies(), []);

  // Quick exit without a script: a plain link to the neutral site, in the same tab.
  await witness.goto(base + "/");
  await witness.waitForTimeout(1100); // the start form's wait ticket matures (VIGIE_NOJS_WAIT_SECONDS=1)
  await submit(witness, "#start");
  await witness.fill("#message", "Message juste avant de partir");
  await submit(witness, "#send-form button[value=send]");
  await submit(witness, "a.quick-exit");
  assert.equal(witness.url(), "https://meteofrance.com/");
  assert.match(await witness.textContent("body"), /Prévisions/);
  // Known limit, not hidden here: without a script the page cannot take itself out of the
  // history (location.replace), and the browser keeps the last form's data with the entry. Back
  // re-posts it (Chromium does so without asking; Firefox asks first), and the token in it still
  // works, so the conversation can be drawn again. Closing the tab is the only clean exit without
  // a script. (A token replaced at each answer, which needs a store operation, would make such a
  // re-post land on "no longer open".)

});

test("a page drawn by the server for a conversation is taken over by the script when it runs", async () => {
  const page = await (await browser.newContext()).newPage();
  // The script does not arrive in time for the first page: the start form posts natively.
  await page.route("**/static/witness.js", (route) => route.abort());
  await page.goto(server.base + "/");
  await page.waitForTimeout(1100);
  await submit(page, "#start");
  const token = await page.getAttribute("#send-form input[name=token]", "value");
  assert.ok(await page.isVisible("#refresh"));
  // The next page of the same conversation gets its script.
  await page.unroute("**/static/witness.js");
  await submit(page, "#refresh");
  assert.equal(await page.getAttribute("#send-form input[name=token]", "value"), token);
  await page.waitForFunction(() => document.querySelector("#refresh")?.hidden === true);
  // Now live: the message goes through the WebSocket and is acknowledged without a reload.
  await page.fill("#message", "Écrit avec le script");
  await page.click("#send-form button[value=send]");
  await page.waitForSelector("#messages li.msg-witness:not(.pending)");
  assert.equal(new URL(page.url()).pathname, "/");
  assert.deepEqual(await thread(page), ["Écrit avec le script"]);
});
