// axe-core on every witness page and every console page, in French and in English, plus the
// quick exit and the language switch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, base32Decode, cleanup, cli, expectAccessible, freePort, launch, login, startServer, tempDir, totpCode } from "./harness.mjs";

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
    // The composer's photo control is part of what is checked.
    assert.ok(await page.isVisible("#photo"));
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

for (const lang of ["fr", "en"]) {
  test(`second-factor and account pages, with their errors, have no accessibility violation (${lang})`, async () => {
    const name = `totp.${lang}`;
    const password = addStaff(dir, "operator", name);
    const toLogin = async (page) => {
      await page.goto(`${server.base}/staff/login`);
      if (lang === "en") await Promise.all([page.waitForNavigation(), page.click("a.lang-switch")]);
      await page.fill("#username", name);
      await page.fill("#password", password);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(await page.getAttribute("html", "lang"), lang);
    };
    const submitCode = (page) =>
      Promise.all([page.waitForNavigation(), page.click("form[action='/staff/login/totp'] button[type=submit]")]);
    // Enrolment: the QR code and its key as text; then a wrong code.
    const first = await (await browser.newContext()).newPage();
    await toLogin(first);
    assert.ok(await first.$("svg[role=img][aria-label]"), "the QR code");
    const secret = base32Decode(await first.textContent("#totp-secret"));
    await expectAccessible(first, `second-factor enrolment ${lang}`);
    const now = Math.floor(Date.now() / 30000);
    const near = [-2, -1, 0, 1, 2].map((d) => totpCode(secret, now + d));
    await first.fill("#code", ["123456", "654321", "111111"].find((c) => !near.includes(c)));
    await submitCode(first);
    assert.ok(await first.$("#code-error"));
    await expectAccessible(first, `second-factor enrolment error ${lang}`);
    // Enrolled by the harness, then my account, and its form's errors.
    await login(first, server.base, name, password);
    await first.goto(`${server.base}/staff/account`);
    assert.equal(await first.getAttribute("html", "lang"), lang);
    await expectAccessible(first, `my account ${lang}`);
    await first.fill("#current_password", "not the password");
    await first.fill("#new_password", "a new passphrase of the test");
    await first.fill("#repeat_password", "another passphrase");
    await Promise.all([first.waitForNavigation(), first.click("form[action='/staff/account'] button[type=submit]")]);
    assert.ok(await first.$("#repeat_password-error"));
    await expectAccessible(first, `my account error ${lang}`);
    // The code step of an enrolled account.
    const second = await (await browser.newContext()).newPage();
    await toLogin(second);
    assert.ok(await second.$("#code"));
    assert.equal(await second.$("#totp-secret"), null);
    await expectAccessible(second, `second-factor code ${lang}`);
    await first.context().close();
    await second.context().close();
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
