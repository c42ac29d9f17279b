// A witness sends a photo from the page; the officer's console shows it, fetched through the
// audited route. A photo over the limit is refused by the page before anything is sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { addStaff, cleanup, expectAccessible, freePort, launch, login, startServer, tempDir } from "./harness.mjs";

let dir, server, browser;

before(async () => {
  dir = tempDir();
  addStaff(dir, "operator", "operateur");
  // A small limit (64 KiB), so that the page's own size check is met with a small file.
  server = await startServer(dir, await freePort(), { VIGIE_PHOTO_MAX_KIB: "64" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  cleanup(dir);
});

/// A 320×240 JPEG drawn by the browser itself.
async function drawJpeg() {
  const page = await browser.newPage();
  const data = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext("2d");
    const grad = g.createLinearGradient(0, 0, 320, 240);
    grad.addColorStop(0, "#246");
    grad.addColorStop(1, "#fc3");
    g.fillStyle = grad;
    g.fillRect(0, 0, 320, 240);
    return canvas.toDataURL("image/jpeg", 0.9).split(",")[1];
  });
  await page.close();
  return Buffer.from(data, "base64");
}

test("a photo the witness attaches appears in the officer's console", async () => {
  const witness = await (await browser.newContext()).newPage();
  const officer = await (await browser.newContext()).newPage();
  await witness.goto(server.base + "/");
  await witness.click("#start");
  await witness.waitForSelector("#receipt-code:not(:empty)");
  await login(officer, server.base, "operateur", "operateur-secret-password");
  await officer.waitForSelector("#queue li");
  await Promise.all([officer.waitForURL(/\/staff\/conversations\//), officer.click("#take-next")]);

  // The control is there, labelled, with the limit and the warning about what a photo shows.
  assert.ok(await witness.isVisible("label[for=photo]"));
  assert.match(await witness.textContent("#photo-hint"), /64 Ko/);
  assert.match(await witness.textContent("#photo-warning"), /GPS/);
  await expectAccessible(witness, "witness chat with the photo control");

  // Too large: the page says so and sends nothing.
  let uploads = 0;
  witness.on("request", (r) => { if (r.url().includes("/api/v1/witness/photos")) uploads += 1; });
  await witness.setInputFiles("#photo", { name: "big.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(65 * 1024, 0xff) });
  await witness.waitForSelector("#photo-error:not([hidden])");
  assert.match(await witness.textContent("#photo-error"), /trop lourde/);
  assert.equal(uploads, 0);

  // A real photo: sent, named in the witness's thread, shown to the officer.
  await witness.setInputFiles("#photo", { name: "photo.jpg", mimeType: "image/jpeg", buffer: await drawJpeg() });
  await witness.waitForFunction(() => document.querySelector("#photo-status").textContent.includes("envoyée"));
  assert.equal(uploads, 1);
  assert.ok(await witness.isHidden("#photo-error"));
  await witness.waitForFunction(() => [...document.querySelectorAll("#messages li.msg-witness .body")].some((b) => b.textContent === "Photo envoyée"));
  assert.equal(await witness.$eval("#photo", (i) => i.files.length), 0, "the input is emptied");

  await officer.waitForSelector("#thread img.photo");
  await officer.waitForFunction(() => {
    const img = document.querySelector("#thread img.photo");
    return img.complete && img.naturalWidth > 0;
  });
  const shown = await officer.$eval("#thread img.photo", (img) => ({
    natural: [img.naturalWidth, img.naturalHeight],
    size: [img.getAttribute("width"), img.getAttribute("height")],
    alt: img.alt,
    src: img.getAttribute("src"),
  }));
  assert.deepEqual(shown.natural, [320, 240]);
  assert.deepEqual(shown.size, ["320", "240"]);
  assert.match(shown.alt, /^Photo envoyée par le témoin à \d{2} h \d{2}$/);
  assert.match(shown.src, /^\/staff\/photos\/[0-9a-f-]{36}$/);
  await expectAccessible(officer, "conversation with a photo");
});
