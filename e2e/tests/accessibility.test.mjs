// axe-core on every witness page and every console page, in French and in English, plus the
// quick exit and the language switch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, cli, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, server, browser;
const roles = [
  ["operator", "oper", ""],
  ["supervisor", "chef", ""],
  ["analyst", "cross", "59"],
  ["investigator", "enqu", ""],
  ["auditor", "audit", ""],
  ["admin", "admn", ""],
];
const pages = {
  operator: ["/staff/console"],
  supervisor: ["/staff/console", "/staff/map", "/staff/statistics"],
  analyst: ["/staff/reports", "/staff/map", "/staff/map?departement=59", "/staff/statistics"],
  investigator: ["/staff/dossiers", "/staff/dossiers/00000000-0000-4000-8000-000000000000"],
  auditor: ["/staff/audit", "/staff/statistics"],
  admin: ["/staff/accounts", "/staff/units", "/staff/units?departement=59", "/staff/retention"],
};

before(async () => {
  dir = tempDir();
  for (const [role, name, deps] of roles) addStaff(dir, role, name, deps);
  // The open-data outlines, so the map pages are checked with their SVG drawn.
  cli(dir, ["geo", "import", new URL("../../../shared/geo", import.meta.url).pathname]);
  server = await startServer(dir, await freePort());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

for (const lang of ["fr", "en"]) {
  test(`witness pages have no accessibility violation (${lang})`, async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/?lang=${lang}`);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    await expectAccessible(page, `home ${lang}`);
    await page.fill("#receipt", "1234");
    await page.click("#resume-form button[type=submit]");
    await page.waitForSelector("#resume-error:not([hidden])");
    await expectAccessible(page, `resume error ${lang}`);
    await page.click("#start");
    await page.waitForSelector("#receipt-code:not(:empty)");
    await expectAccessible(page, `chat ${lang}`);
    await page.goto(`${server.base}/nowhere?lang=${lang}`);
    await expectAccessible(page, `not found ${lang}`);
  });

  test(`console pages have no accessibility violation (${lang})`, async () => {
    for (const [role, name] of roles) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.base}/staff/login`);
      if (lang === "en") {
        await Promise.all([page.waitForNavigation(), page.click("a.lang-switch")]);
      }
      assert.equal(await page.getAttribute("html", "lang"), lang);
      await expectAccessible(page, `login ${lang}`);
      await login(page, server.base, name, `${name}-secret-password`);
      for (const path of pages[role]) {
        await page.goto(server.base + path);
        assert.equal(await page.getAttribute("html", "lang"), lang, `${role} ${path}`);
        await expectAccessible(page, `${role} ${path} ${lang}`);
      }
      await context.close();
    }
  });
}

for (const lang of ["fr", "en"]) {
  test(`admin unit and retention pages, with their errors, have no accessibility violation (${lang})`, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, server.base, "admn", "admn-secret-password");
    const q = lang === "en" ? "?lang=en" : "";
    await page.goto(`${server.base}/staff/units${q}`);
    await page.fill("#unit-name", `Unité axe ${lang}`);
    await page.selectOption("#unit-kind", "drug_squad");
    await page.fill("#unit-departements", "59 999");
    await Promise.all([page.waitForNavigation(), page.click("form[method=post][action^='/staff/units'] button[type=submit]")]);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "error-summary");
    await expectAccessible(page, `admin unit form error ${lang}`);
    await page.fill("#unit-departements", "59 62");
    await Promise.all([page.waitForNavigation(), page.click("form[method=post][action^='/staff/units'] button[type=submit]")]);
    await page.click(`a:text-is("Unité axe ${lang}")`);
    await page.waitForSelector("#routing-departements");
    assert.match(page.url(), /\/staff\/units\/[0-9a-f-]{36}/);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    await expectAccessible(page, `admin unit ${lang}`);
    await page.fill("#routing-departements", "abc");
    await Promise.all([page.waitForNavigation(), page.click("form[action*='/routing'] button[type=submit]")]);
    await expectAccessible(page, `admin unit routing error ${lang}`);
    await page.goto(`${server.base}/staff/retention${q}`);
    await page.fill("#days-closed", "0");
    await Promise.all([page.waitForNavigation(), page.click("form[action^='/staff/retention'] button[type=submit]")]);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    await expectAccessible(page, `admin retention error ${lang}`);
    await context.close();
  });
}

test("the language switch keeps the staff member on the same page", async () => {
  const page = await (await browser.newContext()).newPage();
  await login(page, server.base, "oper", "oper-secret-password");
  await page.goto(`${server.base}/staff/console`);
  await Promise.all([page.waitForNavigation(), page.click("a.lang-switch")]);
  assert.match(page.url(), /\/staff\/console$/);
  assert.match(await page.textContent("h1"), /Queue and conversations/);
});

test("the quick exit replaces the page so that Back does not return to Vigie", async () => {
  const context = await browser.newContext();
  // The exit target is another site; answer it locally so the test needs no network.
  await context.route("https://meteofrance.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>Météo</title><p>météo</p>" }));
  const page = await context.newPage();
  await page.goto("about:blank");
  await page.goto(`${server.base}/`);
  await page.click("a.quick-exit");
  await page.waitForURL(/meteofrance\.com/);
  await page.goBack();
  assert.ok(!page.url().includes("127.0.0.1"), `back went to ${page.url()}`);
});
