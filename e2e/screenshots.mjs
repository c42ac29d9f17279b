// Takes the README's screenshots: `node e2e/screenshots.mjs` after `cargo build`.
import { addStaff, cleanup, freePort, launch, login, startServer, tempDir } from "./tests/harness.mjs";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "screenshots");
mkdirSync(out, { recursive: true });
const dir = tempDir();
addStaff(dir, "operator", "operateur");
const server = await startServer(dir, await freePort());
const browser = await launch();
try {
  const witness = await (await browser.newContext({ viewport: { width: 390, height: 1100 }, deviceScaleFactor: 1, isMobile: true })).newPage();
  await witness.goto(server.base + "/");
  await witness.screenshot({ path: join(out, "witness-home.png"), fullPage: true });
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  await witness.fill("#message", "Bonjour, il y a des vendeurs tous les soirs devant le hall B de ma résidence.");
  await witness.click("#send-form button[type=submit]");
  const officer = await (await browser.newContext({ viewport: { width: 1280, height: 1100 } })).newPage();
  await login(officer, server.base, "operateur", "operateur-secret-password");
  await officer.waitForSelector("#queue li");
  await officer.screenshot({ path: join(out, "console.png") });
  await Promise.all([officer.waitForURL(/conversations/), officer.click("#take-next")]);
  await officer.waitForSelector("#thread li.msg-witness");
  await officer.fill("#officer-message", "Bonjour, merci. Dans quelle commune se trouve la résidence ?");
  await officer.click("#officer-send button[type=submit]");
  await witness.waitForSelector("#messages li.msg-officer");
  await witness.fill("#message", "À Roubaix, résidence des Tilleuls.");
  await witness.click("#send-form button[type=submit]");
  await officer.waitForFunction(() => document.querySelectorAll("#thread li.msg-witness").length >= 2);
  await officer.selectOption("#f-activity", "street_sale");
  await officer.fill("#f-place", "Résidence des Tilleuls, hall B");
  await officer.fill("#note", "Secteur déjà signalé en septembre.");
  await officer.click("#note-form button[type=submit]");
  await officer.waitForSelector("#notes li.note");
  await officer.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  await officer.screenshot({ path: join(out, "officer.png") });
  await witness.evaluate(() => document.activeElement.blur());
  await witness.screenshot({ path: join(out, "witness.png") });
} finally {
  await browser.close();
  await server.stop();
  cleanup(dir);
}
