// The whole chain in a real browser, four people and the pages they really use: a witness
// reports a spot, an operator qualifies it, the analyst of the Nord grades, checks, creates the
// point de deal, asks a follow-up question that the witness answers, and sends a dossier to the
// drug squad of Lille, whose investigator acknowledges it and records what came of it; the
// analyst then sees the outcome on the report, the map and the statistics.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, cli, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

const UNIT = "Brigade des stupéfiants de Lille";
const PLACE = "Résidence des Tilleuls, hall B";
const FIRST_MESSAGE = "Ils vendent dans le hall B tous les soirs";
const QUESTION = "Combien de guetteurs voyez-vous le soir ?";
const ANSWER = "Deux, un à chaque entrée du hall";

let dir, server, browser;
const passwords = {};

before(async () => {
  dir = tempDir();
  // The open-data communes, départements and outlines: the commune picker, the map's SVG.
  cli(dir, ["geo", "import", new URL("../../../shared/geo", import.meta.url).pathname]);
  passwords.operator = addStaff(dir, "operator", "operateur");
  passwords.analyst = addStaff(dir, "analyst", "analyste", "59");
  passwords.admin = addStaff(dir, "admin", "admin");
  server = await startServer(dir, await freePort());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

/// A staff member in a browser context of their own, logged in.
async function staffPage(username, password) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await login(page, server.base, username, password);
  assert.doesNotMatch(page.url(), /\/staff\/login/, `${username} could not log in`);
  return page;
}

/// Submits a plain HTML form and waits for the page it redirects to.
async function submit(page, buttonSelector) {
  await Promise.all([page.waitForNavigation(), page.click(buttonSelector)]);
}

async function mainText(page) {
  return page.textContent("main");
}

/// Waits until a line of the witness's thread contains `text`.
async function witnessSees(page, text) {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll("#messages li .body")].some((b) => b.textContent.includes(t)),
    text,
  );
}

test("a report goes from the witness to the investigator's outcome, and back to the analyst", async () => {
  const base = server.base;

  // 1. The administrator creates the drug squad of Lille, serving the Nord.
  const admin = await staffPage("admin", passwords.admin);
  await admin.goto(`${base}/staff/units`);
  await admin.fill("#unit-name", UNIT);
  await admin.selectOption("#unit-kind", "drug_squad");
  await admin.fill("#unit-departements", "59");
  await submit(admin, "form[method=post][action^='/staff/units'] button[type=submit]");
  assert.ok(await admin.isVisible(`a:text-is("${UNIT}")`), "the new unit is listed");
  // Investigators belong to a unit from their creation: the CLI, on the live data directory.
  passwords.investigator = "enq.lille-secret-password";
  cli(dir, ["staff", "add", "--role", "investigator", "--username", "enq.lille", "--unit", UNIT],
    passwords.investigator + "\n");

  // 2. The witness starts a conversation, keeps the receipt code, and writes.
  const witness = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  await witness.goto(base + "/");
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  const receipt = (await witness.textContent("#receipt-code")).trim();
  assert.match(receipt, /^\d{4} \d{4} \d{4} \d{4}$/);
  await witness.fill("#message", FIRST_MESSAGE);
  await witness.click("#send-form button[type=submit]");
  await witness.waitForSelector("#messages li.msg-witness:not(.pending)");
  await witness.click("#receipt-ack");

  // 3. The operator takes it, replies, fills the report and qualifies it.
  const operator = await staffPage("operateur", passwords.operator);
  await operator.goto(`${base}/staff/console`);
  await operator.waitForSelector("#queue li");
  await Promise.all([operator.waitForURL(/\/staff\/conversations\//), operator.click("#take-next")]);
  await operator.waitForSelector("#thread li.msg-witness");
  await operator.fill("#officer-message", "Merci. Dans quelle commune ?");
  await operator.click("#officer-send button[type=submit]");
  await witnessSees(witness, "Dans quelle commune ?");
  await operator.selectOption("#f-activity", "street_sale");
  await operator.fill("#f-commune-search", "Lill");
  await operator.waitForFunction(() => document.querySelectorAll("#commune-options option").length > 0);
  const commune = await operator.$eval("#commune-options option", (o) => o.value);
  assert.match(commune, /Lille/);
  await operator.fill("#f-commune-search", commune);
  await operator.fill("#f-place", PLACE);
  await operator.check("input[name=knowledge][value=seen]");
  await operator.click("#save-report");
  await operator.waitForFunction(() => document.querySelector("#report-status").textContent.includes("version"));
  await operator.click("#qualify");
  await operator.waitForSelector("#case-status:not([hidden])");
  assert.match(await operator.textContent("#case-status"), /département 59/);
  await witness.waitForSelector("#ended:not([hidden])");

  // 4. The analyst of the Nord grades it (F6, H0 kept), records a check and concludes.
  const analyst = await staffPage("analyste", passwords.analyst);
  await analyst.goto(`${base}/staff/reports`);
  await submit(analyst, "table a");
  const reportUrl = analyst.url();
  assert.match(reportUrl, /\/staff\/reports\/[0-9a-f-]{36}$/);
  assert.match(await mainText(analyst), /Lille \(59350\)/);
  assert.equal(await analyst.inputValue("#g-source"), "F");
  assert.equal(await analyst.inputValue("#g-credibility"), "6");
  assert.equal(await analyst.inputValue("#g-handling"), "H0");
  await analyst.fill("#g-assessment", "Lieu connu, cohérent avec les patrouilles");
  await submit(analyst, "form[action$='/grading'] button");
  assert.match(await mainText(analyst), /F6/);
  assert.match(await analyst.textContent("blockquote.assessment"), /Lieu connu/);
  await analyst.selectOption("#c-kind", "patrol");
  await analyst.fill("#c-result", "Deux guetteurs vus devant le hall B à 21 h");
  await submit(analyst, "form[action$='/checks'] button");
  assert.match(await analyst.textContent(".checks-list"), /Deux guetteurs/);
  await analyst.check("input[name=conclusion][value=corroborated]");
  await submit(analyst, "form[action$='/conclusion'] button");
  assert.match(await mainText(analyst), /recoupé/i);

  // The point de deal, created from this report.
  await analyst.fill("#p-label", PLACE);
  await submit(analyst, "button:text-is('Créer un point de deal')");
  assert.ok(await analyst.isVisible(`section[aria-labelledby=point-title] a:text-is("${PLACE}")`), "the report is linked to its point");

  // 5. A follow-up question reaches the witness's closed chat, who may answer it once.
  await analyst.fill("#f-question", QUESTION);
  await submit(analyst, "button:text-is('Poser la question')");
  assert.match(await analyst.textContent("section[aria-labelledby=follow-title]"), /En attente de réponse/);
  await witnessSees(witness, QUESTION);
  await witness.waitForFunction(() => document.querySelector("#status").textContent.includes("La police vous pose une question"));
  assert.ok(await witness.isVisible("#message"), "the composer is back");
  await witness.fill("#message", ANSWER);
  await witness.click("#send-form button[type=submit]");
  await witness.waitForSelector("#messages li.msg-witness.pending", { state: "detached" });
  await witness.waitForSelector("#ended:not([hidden])");
  await analyst.reload();
  assert.match(await analyst.textContent("section[aria-labelledby=follow-title]"), new RegExp(`Réponse : ${ANSWER}`));
  await expectAccessible(analyst, "report with point and answered question");

  // 6. The dossier goes to the drug squad, with the witness's first message as the only excerpt.
  await submit(analyst, "a:text-is('Transmettre un dossier')");
  assert.match(analyst.url(), /\/disseminate$/);
  const unitOption = await analyst.$eval("#d-unit option", (o) => [o.value, o.textContent]);
  assert.match(unitOption[1], new RegExp(UNIT));
  await analyst.selectOption("#d-unit", unitOption[0]);
  await analyst.check(`fieldset label:has-text("${FIRST_MESSAGE}") input[name=excerpts]`);
  await expectAccessible(analyst, "dissemination form");
  await submit(analyst, "form[action$='/chain/disseminate'] button[type=submit]");
  assert.equal(analyst.url(), reportUrl);
  assert.match(await analyst.textContent("section[aria-labelledby=dissemination-title]"), new RegExp(UNIT));

  // 7. The investigator of the unit reads the dossier: the facts, never the witness.
  const investigator = await staffPage("enq.lille", passwords.investigator);
  await investigator.goto(`${base}/staff/dossiers`);
  assert.equal(await investigator.locator("table.dossier-table tbody tr").count(), 1);
  await submit(investigator, "table.dossier-table tbody tr a");
  const dossier = await mainText(investigator);
  assert.match(dossier, new RegExp(PLACE));
  assert.match(dossier, /recoupé/i);
  assert.match(await investigator.textContent(".dossier-excerpts"), new RegExp(FIRST_MESSAGE));
  assert.doesNotMatch(await investigator.textContent(".dossier-excerpts"), new RegExp(ANSWER), "only the ticked excerpt");
  const body = await investigator.textContent("body");
  const html = await investigator.content();
  for (const form of [receipt, receipt.replace(/ /g, "")]) {
    assert.ok(!body.includes(form) && !html.includes(form), "the receipt code never reaches the dossier");
  }
  await expectAccessible(investigator, "dossier before acknowledgement");
  await submit(investigator, "button:text-is('Accuser réception')");
  await investigator.selectOption("#o-kind", "seizure");
  await investigator.selectOption("#o-product", "cocaine");
  await investigator.fill("#o-quantity", "90");
  await investigator.selectOption("#o-unit", "kg");
  await submit(investigator, "form.dossier-outcome-form button[type=submit]");
  assert.equal(await investigator.$("#dossier-error"), null, "the seizure is accepted");
  await investigator.selectOption("#o-kind", "arrests");
  await investigator.fill("#o-count", "3");
  await submit(investigator, "form.dossier-outcome-form button[type=submit]");
  assert.equal(await investigator.$("#dossier-error"), null, "the arrests are accepted");
  const outcomes = await investigator.textContent("section[aria-labelledby=outcomes-title]");
  assert.match(outcomes, /Saisie : 90 kg — cocaïne/);
  assert.match(outcomes, /Interpellations : 3/);
  await expectAccessible(investigator, "dossier with outcomes");

  // 8. Back at the cell: the acknowledgement and the outcomes on the report, the map, the figures.
  await analyst.reload();
  const sent = await analyst.textContent("section[aria-labelledby=dissemination-title]");
  assert.match(sent, /reçu le .* par enq\.lille/);
  assert.match(sent, /Saisie : 90 kg — cocaïne/);
  assert.match(sent, /Interpellations : 3/);
  await expectAccessible(analyst, "report after the outcomes");
  // The same page in English.
  await analyst.goto(`${reportUrl}?lang=en`);
  assert.equal(await analyst.getAttribute("html", "lang"), "en");
  assert.match(await analyst.textContent("section[aria-labelledby=dissemination-title]"), /Seizure: 90 kg — cocaine/);
  await expectAccessible(analyst, "report after the outcomes (en)");

  await analyst.goto(`${base}/staff/map?departement=59`);
  assert.ok(await analyst.isVisible("figure.map svg"), "the département is drawn");
  assert.match(await analyst.textContent("main table"), new RegExp(PLACE));
  await expectAccessible(analyst, "map of the Nord");

  await analyst.goto(`${base}/staff/statistics`);
  const figures = await analyst.textContent("section[aria-labelledby=s-figures]");
  assert.match(figures, /Saisies — cocaïne\s*90 kg/);
  assert.match(figures, /Interpellations\s*3/);
  await expectAccessible(analyst, "statistics");
});
