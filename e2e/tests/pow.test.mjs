// The proof of work the witness's browser solves, tested on the exact file the server serves
// (include_str! of crates/vigie-web/static/pow-worker.js), run in a node:vm context whose only
// host object is a fake worker `self`. No browser, no server.
//
// The expected tags come from the `argon2` 0.5.3 Rust crate the server verifies with
// (Argon2id, version 0x13, p = 1, 32-byte tag, salt "vigie-proof-of-work-v1"), computed once
// by a throwaway program and written down here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const WORKER = new URL("../../crates/vigie-web/static/pow-worker.js", import.meta.url);
const SALT = new TextEncoder().encode("vigie-proof-of-work-v1");

// Loads the worker as a browser would, into a fresh context. postMessage structured-clones,
// as the real one does, so the test sees plain objects of its own realm.
function loadWorker() {
  const posted = [];
  const self = { postMessage: (message) => posted.push(structuredClone(message)) };
  const context = vm.createContext({ self });
  vm.runInContext(readFileSync(WORKER, "utf8"), context, { filename: "pow-worker.js" });
  return { self, context, posted, pow: self.VigiePow };
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const utf8 = (text) => new TextEncoder().encode(text);

function tagOf(pow, password, m, t) {
  return hex(pow.argon2id(utf8(password), SALT, m, t, pow.allocateMemory(m)));
}

// [password, memory_kib, iterations, tag from the Rust crate]
const VECTORS = [
  ["abc.DEF-_:0", 8, 1, "4def841ffb520ce9ed307577fa1c0452770e71304e2ef47b456f7d3dedc31e8c"],
  ["abc.DEF-_:0", 8, 2, "f04adccf1c99d29d893021e1370b8b8f72e437a11f1134454dfad58ad6e7b955"],
  ["abc.DEF-_:1", 8, 3, "1f79f8c2b2d76a68da96e039d26dbe87afad26917a50e597f723c3aba397d6b7"],
  ["abc.DEF-_:0", 64, 1, "9c9dd5e6736dab534509636bc5a36cc1e58f60b05a310100087eed77d42072fd"],
  ["abc.DEF-_:7", 64, 2, "ec3de028640fba0e37437f95c28351b25a1f56d434af5e48fb47379566f263bd"],
  ["abc.DEF-_:42", 64, 3, "78f560b4d9baae1b9a8b61b2c3aad2e913ba534a00c1742e5c6b17f576ad54d7"],
  // m not a multiple of 4: the crate uses 4 * floor(m / 4) blocks but hashes m itself in H_0.
  ["x:0", 9, 1, "56cf2e6bccbeafe6ab33dd54294e8872740ff7daa6c6d4d7d27cc617009b5d1c"],
  ["x:2", 12, 2, "7b6c7a17f1702ab51d4f7afe8bb0dc26ab0379f9ceab6498abd58a6896bb663b"],
  ["x:123456", 100, 2, "ef7088136f9863331c0ab164efd3b3140bd35e3f0b32b89c65308f2553c643d7"],
  ["x:3", 513, 1, "86fe5c0482ca2479e7f9ff313f602833ba5fc4852f10df76bd1cb1c14c5ff2a4"],
  // Segments longer than 128 blocks: several address blocks per Argon2i segment.
  ["x:1", 1000, 1, "8f3d8b0fb43822c77750c336ab3f81d2571d015c84749783ef772d5b809951b0"],
  ["x:4", 2048, 1, "ab493a0aafea07e40c313c699082e26cc64da8440ac14a28c8b66aa7f2fffde8"],
  ["abc.DEF-_:0", 4096, 1, "4177e160299272ecb7df07c11ebd66aef7017b5bcc7b9b04c45a3f0c2706820d"],
  ["abc.DEF-_:99", 4096, 2, "1b72d3f899a6ac4c4e0e44209d937d67f57561dc1b8ba3370909c0c0a969b6e5"],
  ["abc.DEF-_:5", 4096, 3, "1e4159c3f83d3f925daff658f667d935e47dfa73015902bb556d7c26af74e57c"],
  [":0", 8, 1, "aa98d76c2336eac68ba934ede9c298bc1c6112901d6d37adc182873f194f9b0f"],
  // A password longer than one BLAKE2b block (128 bytes) in H_0.
  [
    "k3Jq8fW2-Nz_x.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_.k3Jq8fW2-Nz_x.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789:18446744073709551615",
    16, 1, "4ecb0020a46af02579ffabd24e8a43b8564416dd8a702bf91a00bef23771171e",
  ],
];

test("the served worker computes the same Argon2id tags as the server's argon2 crate", () => {
  const { pow } = loadWorker();
  for (const [password, m, t, expected] of VECTORS) {
    assert.equal(tagOf(pow, password, m, t), expected, `${password} m=${m} t=${t}`);
  }
});

test("one memory reused across hashes gives the same tags as fresh memory", () => {
  const { pow } = loadWorker();
  const mem = pow.allocateMemory(64);
  // A t=3 hash leaves the memory full of its blocks; the next hash must not depend on them.
  const runs = [["abc.DEF-_:42", 3], ["abc.DEF-_:0", 1], ["abc.DEF-_:7", 2]];
  for (const [password, t] of runs) {
    const expected = VECTORS.find(([p, m, vt]) => p === password && m === 64 && vt === t)[3];
    assert.equal(hex(pow.argon2id(utf8(password), SALT, 64, t, mem)), expected);
  }
  // Memory sized for another cost is refused (the error comes from the worker's realm).
  assert.throws(() => pow.argon2id(utf8("x:0"), SALT, 128, 1, mem), { name: "RangeError" });
});

test("leading zero bits count from the most significant bit of byte 0", () => {
  const { pow } = loadWorker();
  const bits = (...bytes) => pow.leadingZeroBits(Uint8Array.from(bytes));
  assert.equal(bits(0x80, 0), 0);
  assert.equal(bits(0x01, 0xff), 7);
  assert.equal(bits(0x00, 0x0f), 12);
  assert.equal(bits(0x00, 0x00, 0x00, 0x40), 25);
  assert.equal(bits(0, 0, 0, 0), 32);
});

test("the solver returns the first nonce whose tag has the required zero bits", () => {
  const { pow } = loadWorker();
  const challenge = "AAAA.BBBB.CCCC";
  const job = { challenge, difficulty: 4, memory_kib: 64, iterations: 1 };
  const nonce = pow.solve(job);
  assert.equal(nonce, 24); // the Rust crate's first solution for this challenge
  const tag = (n) => pow.argon2id(utf8(`${challenge}:${n}`), SALT, 64, 1, pow.allocateMemory(64));
  assert.ok(pow.leadingZeroBits(tag(nonce)) >= 4);
  for (let n = 0; n < nonce; n++) assert.ok(pow.leadingZeroBits(tag(n)) < 4, `nonce ${n}`);

  assert.equal(pow.solve({ ...job, difficulty: 0 }), 0);
  assert.equal(pow.solve({ ...job, difficulty: 1 }), 1);
  assert.equal(pow.solve({ challenge: "dGVzdA.Zm9v-YmFy_", difficulty: 8, memory_kib: 64, iterations: 1 }), 33);
});

test("a job allocates the Argon2 memory once, however many nonces it tries", () => {
  const { pow, context } = loadWorker();
  // Count the Uint32Arrays built from here on, inside the worker's realm.
  context.sizes = [];
  vm.runInContext(
    "Uint32Array = new Proxy(Uint32Array, { construct(T, args) { sizes.push(args[0]); return new T(...args); } });",
    context,
  );
  assert.equal(pow.solve({ challenge: "AAAA.BBBB.CCCC", difficulty: 4, memory_kib: 64, iterations: 1 }), 24);
  assert.deepEqual([...context.sizes], [64 * 256]);
});

test("a page posting a job gets progress, then the nonce", () => {
  const { self, posted, pow } = loadWorker();
  self.onmessage({ data: { challenge: "AAAA.BBBB.CCCC", difficulty: 8, memory_kib: 64, iterations: 1 } });
  const final = posted.pop();
  assert.deepEqual(final, { nonce: 383 }); // the Rust crate's first solution
  // 383 nonces failed before the winner: one progress message every PROGRESS_EVERY of them.
  const every = pow.PROGRESS_EVERY;
  const expected = [];
  for (let n = every; n <= 383; n += every) expected.push({ progress: n });
  assert.deepEqual(posted, expected);
});

test("a malformed job is answered with an error and no nonce", () => {
  const job = { challenge: "AAAA.BBBB", difficulty: 2, memory_kib: 8, iterations: 1 };
  const bad = [
    null,
    "AAAA",
    { ...job, challenge: "" },
    { ...job, challenge: "été" },
    { ...job, challenge: "a b" },
    { ...job, challenge: 42 },
    { ...job, difficulty: 25 },
    { ...job, difficulty: -1 },
    { ...job, difficulty: 1.5 },
    { ...job, difficulty: "3" },
    { ...job, memory_kib: 4 },
    { ...job, memory_kib: 2 ** 21 },
    { ...job, iterations: 0 },
    { ...job, iterations: undefined },
  ];
  for (const data of bad) {
    const { self, posted } = loadWorker();
    self.onmessage({ data });
    assert.equal(posted.length, 1, JSON.stringify(data));
    assert.equal(typeof posted[0].error, "string");
    assert.ok(!("nonce" in posted[0]));
  }
  // The same worker still solves a sound job afterwards.
  const { self, posted } = loadWorker();
  self.onmessage({ data: bad[6] });
  self.onmessage({ data: job });
  assert.equal(posted.length, 2);
  assert.equal(typeof posted[1].nonce, "number");
});

test("speed at the default cost, m=4096 KiB and t=1 (reported, not asserted)", (t) => {
  const { pow } = loadWorker();
  const mem = pow.allocateMemory(4096);
  for (let i = 0; i < 5; i++) pow.argon2id(utf8(`warm:${i}`), SALT, 4096, 1, mem);
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) pow.argon2id(utf8(`speed:${i}`), SALT, 4096, 1, mem);
  t.diagnostic(`${((performance.now() - start) / runs).toFixed(1)} ms per Argon2id hash`);
});
