// The proof of work the witness's browser solves before a conversation opens: a classic Web
// Worker, no dependency, nothing fetched. Argon2id (RFC 9106) over BLAKE2b (RFC 7693), written
// here so that no third-party code is served; the server checks the answer with the `argon2`
// Rust crate, so every byte below must match the RFC.
//
// The puzzle: for nonce = 0, 1, 2, … hash Argon2id(password = "<challenge>:<nonce>",
// salt = "vigie-proof-of-work-v1", p = 1, version 0x13, tag 32 bytes, no secret, no associated
// data) until the tag starts with `difficulty` zero bits, most significant bit of byte 0 first.
//
// Protocol. The page posts {challenge, difficulty, memory_kib, iterations}; the worker answers
// {progress: attempts} every PROGRESS_EVERY attempts, then {nonce} (a number) or {error}.
// A job runs to its end: the page stops one with worker.terminate().
//
// 64-bit words are pairs of 32-bit halves, low half first, in typed arrays: JavaScript numbers
// hold 53 bits exactly and bitwise operators work on 32. The hot loop (the compression G of
// RFC 9106 §3.5) allocates nothing; the Argon2 memory is allocated once per job.
"use strict";
(function () {
  const SALT = "vigie-proof-of-work-v1";
  const PROGRESS_EVERY = 4;
  const MAX_DIFFICULTY = 24;
  const MAX_MEMORY_KIB = 1 << 20; // 1 GiB: beyond, no phone would cope anyway
  const MAX_ITERATIONS = 64;
  const MAX_CHALLENGE = 1024;
  const TAG_BYTES = 32;
  // A local binding: a global lookup in the hot loop is slow in some hosts (node:vm contexts).
  const imul = Math.imul;

  // ---------------------------------------------------------------------------------------
  // BLAKE2b, RFC 7693, unkeyed. Only the digest lengths Argon2 needs (1..64 bytes).
  // ---------------------------------------------------------------------------------------

  // §2.6: the initialization vector, as (low, high) 32-bit halves.
  const IV = new Uint32Array([
    0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
    0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
  ]);

  // §2.7: the message schedule, rows 10 and 11 repeating rows 0 and 1 (12 rounds, §3.2).
  // Stored pre-doubled: indices into the 32-bit view of the message block.
  const SIGMA = new Uint8Array([
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
    11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
    7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
    9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
    2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
    12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
    13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
    6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
    10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  ].map((i) => 2 * i));

  // One BLAKE2b state, reused by every call: the hashing is sequential, never re-entered.
  const bH = new Uint32Array(16); // chain value h[0..7]
  const bV = new Uint32Array(32); // working vector v[0..15]
  const bM = new Uint32Array(32); // message block m[0..15]
  const bBuf = new Uint8Array(128); // bytes not yet compressed
  let bFill = 0; // bytes in bBuf
  let bCount = 0; // bytes compressed so far (< 2^53: the high 64 bits of t stay zero)
  let bOutLen = 0;

  // v[a] += v[b] + m[x], as 64-bit words: a sum of three 32-bit lows fits a double exactly.
  function add3(v, a, b, m, x) {
    const lo = v[a] + v[b] + m[x];
    v[a + 1] = v[a + 1] + v[b + 1] + m[x + 1] + ((lo / 0x100000000) | 0);
    v[a] = lo;
  }

  // v[a] += v[b], as 64-bit words.
  function add2(v, a, b) {
    const lo = v[a] + v[b];
    v[a + 1] = v[a + 1] + v[b + 1] + ((lo / 0x100000000) | 0);
    v[a] = lo;
  }

  // v[d] = (v[d] ^ v[a]) >>> n for n < 32 (as 64-bit rotations).
  function xorRotr(v, d, a, n) {
    const lo = v[d] ^ v[a];
    const hi = v[d + 1] ^ v[a + 1];
    v[d] = (lo >>> n) | (hi << (32 - n));
    v[d + 1] = (hi >>> n) | (lo << (32 - n));
  }

  // §3.1, the mixing function G, on 32-bit indices of the low halves.
  function mixB(v, m, a, b, c, d, x, y) {
    add3(v, a, b, m, x);
    const lo = v[d] ^ v[a]; // rotate right 32: swap the halves
    v[d] = v[d + 1] ^ v[a + 1];
    v[d + 1] = lo;
    add2(v, c, d);
    xorRotr(v, b, c, 24);
    add3(v, a, b, m, y);
    xorRotr(v, d, a, 16);
    add2(v, c, d);
    // rotate right 63 = rotate left 1
    const l = v[b] ^ v[c];
    const h = v[b + 1] ^ v[c + 1];
    v[b] = (l << 1) | (h >>> 31);
    v[b + 1] = (h << 1) | (l >>> 31);
  }

  // §3.2, the compression function F, on the block in bBuf.
  function blakeCompress(last) {
    for (let i = 0; i < 32; i++) {
      const j = 4 * i;
      bM[i] = bBuf[j] | (bBuf[j + 1] << 8) | (bBuf[j + 2] << 16) | (bBuf[j + 3] << 24);
    }
    bV.set(bH, 0);
    bV.set(IV, 16);
    bV[24] ^= bCount >>> 0; // v[12] ^= t (low 64 bits; the high word of t is zero)
    bV[25] ^= (bCount / 0x100000000) >>> 0;
    if (last) {
      bV[28] = ~bV[28]; // v[14] = ~v[14]
      bV[29] = ~bV[29];
    }
    for (let r = 0; r < 12; r++) {
      const s = 16 * r;
      mixB(bV, bM, 0, 8, 16, 24, SIGMA[s], SIGMA[s + 1]);
      mixB(bV, bM, 2, 10, 18, 26, SIGMA[s + 2], SIGMA[s + 3]);
      mixB(bV, bM, 4, 12, 20, 28, SIGMA[s + 4], SIGMA[s + 5]);
      mixB(bV, bM, 6, 14, 22, 30, SIGMA[s + 6], SIGMA[s + 7]);
      mixB(bV, bM, 0, 10, 20, 30, SIGMA[s + 8], SIGMA[s + 9]);
      mixB(bV, bM, 2, 12, 22, 24, SIGMA[s + 10], SIGMA[s + 11]);
      mixB(bV, bM, 4, 14, 16, 26, SIGMA[s + 12], SIGMA[s + 13]);
      mixB(bV, bM, 6, 8, 18, 28, SIGMA[s + 14], SIGMA[s + 15]);
    }
    for (let i = 0; i < 16; i++) bH[i] ^= bV[i] ^ bV[i + 16];
  }

  // §3.3: parameter block for an unkeyed digest of outLen bytes, fanout 1, depth 1.
  function blakeInit(outLen) {
    bH.set(IV);
    bH[0] ^= 0x01010000 ^ outLen;
    bFill = 0;
    bCount = 0;
    bOutLen = outLen;
  }

  // Feeds bytes; the last block is kept back until blakeFinal, which must flag it (§3.3).
  function blakeUpdate(bytes) {
    for (let i = 0; i < bytes.length; i++) {
      if (bFill === 128) {
        bCount += 128;
        blakeCompress(false);
        bFill = 0;
      }
      bBuf[bFill++] = bytes[i];
    }
  }

  // Feeds the 4-byte little-endian encoding of n (RFC 9106 LE32).
  const le32Bytes = new Uint8Array(4);
  function blakeUpdateLE32(n) {
    le32Bytes[0] = n;
    le32Bytes[1] = n >>> 8;
    le32Bytes[2] = n >>> 16;
    le32Bytes[3] = n >>> 24;
    blakeUpdate(le32Bytes);
  }

  // Pads, compresses the last block and writes the digest into out[offset..].
  function blakeFinal(out, offset) {
    bCount += bFill;
    bBuf.fill(0, bFill);
    blakeCompress(true);
    for (let i = 0; i < bOutLen; i++) out[offset + i] = bH[i >> 2] >>> (8 * (i & 3));
  }

  // ---------------------------------------------------------------------------------------
  // Argon2id, RFC 9106, for one lane (parallelism 1), version 0x13.
  // ---------------------------------------------------------------------------------------

  const ARGON2_VERSION = 0x13;
  const ARGON2ID = 2; // y, §3.1
  const SYNC_POINTS = 4; // SL, §3.4
  const BLOCK_WORDS = 256; // a 1024-byte block as 32-bit words
  const ADDRESSES_PER_BLOCK = 128; // §3.4.1.2

  // §3.3, the variable-length hash H'^T(A), with A = prefix || LE32(x) || LE32(y) (the
  // three pieces Argon2 ever feeds it). Writes T bytes into out.
  const vBlock = new Uint8Array(64);
  function hashPrime(T, prefix, x, y, out) {
    blakeInit(Math.min(T, 64));
    blakeUpdateLE32(T);
    blakeUpdate(prefix);
    if (x !== null) {
      blakeUpdateLE32(x);
      blakeUpdateLE32(y);
    }
    if (T <= 64) {
      blakeFinal(out, 0);
      return;
    }
    // r = ceil(T/32) - 2 digests V_1..V_r of 64 bytes, of which only the first halves are
    // kept, then V_{r+1} of T - 32r bytes, kept whole.
    const r = Math.ceil(T / 32) - 2;
    blakeFinal(vBlock, 0);
    out.set(vBlock.subarray(0, 32), 0);
    for (let i = 2; i <= r; i++) {
      blakeInit(64);
      blakeUpdate(vBlock);
      blakeFinal(vBlock, 0);
      out.set(vBlock.subarray(0, 32), 32 * (i - 1));
    }
    blakeInit(T - 32 * r);
    blakeUpdate(vBlock);
    blakeFinal(out, 32 * r);
  }

  // §3.2 step 1: H_0, 64 bytes.
  function initialHash(password, salt, m, t, out) {
    blakeInit(64);
    blakeUpdateLE32(1); // p
    blakeUpdateLE32(TAG_BYTES); // T
    blakeUpdateLE32(m);
    blakeUpdateLE32(t);
    blakeUpdateLE32(ARGON2_VERSION);
    blakeUpdateLE32(ARGON2ID);
    blakeUpdateLE32(password.length);
    blakeUpdate(password);
    blakeUpdateLE32(salt.length);
    blakeUpdate(salt);
    blakeUpdateLE32(0); // no secret K
    blakeUpdateLE32(0); // no associated data X
    blakeFinal(out, 0);
  }

  // The high 32 bits of the 64-bit product of two 32-bit numbers read as unsigned, as an
  // int32: every partial product of 16-bit halves is exact.
  function mulHi(a, b) {
    const aL = a & 0xffff;
    const aH = a >>> 16;
    const bL = b & 0xffff;
    const bH = b >>> 16;
    const lh = imul(aL, bH);
    const hl = imul(aH, bL);
    const mid = (imul(aL, bL) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    return (imul(aH, bH) + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  }

  // §3.6, GB(a, b, c, d), on 32-bit indices of the low halves in v.
  //
  // Written out by hand because it is the hot loop (128 calls per block): the eight halves stay
  // in int32 locals, nothing is allocated. Each BlaMka step x = x + y + 2 * lo32(x) * lo32(y)
  // (mod 2^64) takes the product's low half from imul and its high half from mulHi, doubles it
  // by a one-bit shift across the halves, and adds it to x + y; k counts the carries out of the
  // low halves (an unsigned sum that wrapped is smaller than an addend).
  function gb(v, a, b, c, d) {
    let al = v[a], ah = v[a + 1], bl = v[b], bh = v[b + 1];
    let cl = v[c], ch = v[c + 1], dl = v[d], dh = v[d + 1];
    let p, q, s, k, t;

    // a = a + b + 2 * lo32(a) * lo32(b)
    p = imul(al, bl);
    q = mulHi(al, bl);
    s = (al + bl) | 0;
    k = ((s >>> 0) < (al >>> 0)) | 0;
    al = (s + (p << 1)) | 0;
    k = (k + ((al >>> 0) < (s >>> 0))) | 0;
    ah = (ah + bh + ((q << 1) | (p >>> 31)) + k) | 0;
    // d = (d ^ a) >>> 32: swap the halves
    t = dl ^ al;
    dl = dh ^ ah;
    dh = t;
    // c = c + d + 2 * lo32(c) * lo32(d)
    p = imul(cl, dl);
    q = mulHi(cl, dl);
    s = (cl + dl) | 0;
    k = ((s >>> 0) < (cl >>> 0)) | 0;
    cl = (s + (p << 1)) | 0;
    k = (k + ((cl >>> 0) < (s >>> 0))) | 0;
    ch = (ch + dh + ((q << 1) | (p >>> 31)) + k) | 0;
    // b = (b ^ c) >>> 24
    t = bl ^ cl;
    bh ^= ch;
    bl = (t >>> 24) | (bh << 8);
    bh = (bh >>> 24) | (t << 8);
    // a = a + b + 2 * lo32(a) * lo32(b)
    p = imul(al, bl);
    q = mulHi(al, bl);
    s = (al + bl) | 0;
    k = ((s >>> 0) < (al >>> 0)) | 0;
    al = (s + (p << 1)) | 0;
    k = (k + ((al >>> 0) < (s >>> 0))) | 0;
    ah = (ah + bh + ((q << 1) | (p >>> 31)) + k) | 0;
    // d = (d ^ a) >>> 16
    t = dl ^ al;
    dh ^= ah;
    dl = (t >>> 16) | (dh << 16);
    dh = (dh >>> 16) | (t << 16);
    // c = c + d + 2 * lo32(c) * lo32(d)
    p = imul(cl, dl);
    q = mulHi(cl, dl);
    s = (cl + dl) | 0;
    k = ((s >>> 0) < (cl >>> 0)) | 0;
    cl = (s + (p << 1)) | 0;
    k = (k + ((cl >>> 0) < (s >>> 0))) | 0;
    ch = (ch + dh + ((q << 1) | (p >>> 31)) + k) | 0;
    // b = (b ^ c) >>> 63, i.e. rotate left by one
    t = bl ^ cl;
    bh ^= ch;
    bl = (t << 1) | (bh >>> 31);
    bh = (bh << 1) | (t >>> 31);

    v[a] = al; v[a + 1] = ah; v[b] = bl; v[b + 1] = bh;
    v[c] = cl; v[c + 1] = ch; v[d] = dl; v[d + 1] = dh;
  }

  // §3.6, the permutation P on eight 16-byte registers, i.e. sixteen 64-bit words v_0..v_15
  // found at 32-bit offset base + 2k for a row, or at the column's offsets for a column.
  function permute(v, w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15) {
    gb(v, w0, w4, w8, w12);
    gb(v, w1, w5, w9, w13);
    gb(v, w2, w6, w10, w14);
    gb(v, w3, w7, w11, w15);
    gb(v, w0, w5, w10, w15);
    gb(v, w1, w6, w11, w12);
    gb(v, w2, w7, w8, w13);
    gb(v, w3, w4, w9, w14);
  }

  // §3.5, the compression function G(X, Y), written to out (XORed into it when `xor`: the
  // version 0x13 rule for passes after the first, §3.2 step 6). R = X ^ Y is viewed as an 8x8
  // matrix of 16-byte registers; P runs on each row, then on each column.
  const gR = new Int32Array(BLOCK_WORDS);
  const gT = new Int32Array(BLOCK_WORDS);
  function compress(x, xOff, y, yOff, out, outOff, xor) {
    if (xor) {
      for (let i = 0; i < BLOCK_WORDS; i++) {
        const r = x[xOff + i] ^ y[yOff + i];
        gR[i] = r;
        gT[i] = r ^ out[outOff + i];
      }
    } else {
      for (let i = 0; i < BLOCK_WORDS; i++) {
        const r = x[xOff + i] ^ y[yOff + i];
        gR[i] = r;
        gT[i] = r;
      }
    }
    for (let row = 0; row < 256; row += 32) {
      permute(gR, row, row + 2, row + 4, row + 6, row + 8, row + 10, row + 12, row + 14,
        row + 16, row + 18, row + 20, row + 22, row + 24, row + 26, row + 28, row + 30);
    }
    for (let col = 0; col < 32; col += 4) {
      permute(gR, col, col + 2, col + 32, col + 34, col + 64, col + 66, col + 96, col + 98,
        col + 128, col + 130, col + 160, col + 162, col + 192, col + 194, col + 224, col + 226);
    }
    for (let i = 0; i < BLOCK_WORDS; i++) out[outOff + i] = gT[i] ^ gR[i];
  }

  // §3.4.1.2: the next block of 128 pseudo-random addresses for Argon2i-style indexing,
  // G(ZERO, G(ZERO, Z || counter || ZERO)), the counter first incremented.
  const zeroBlock = new Uint32Array(BLOCK_WORDS);
  const addressInput = new Uint32Array(BLOCK_WORDS);
  const addresses = new Uint32Array(BLOCK_WORDS);
  function nextAddresses() {
    addressInput[12]++; // the counter, LE64, word 6 (it never passes 2^32 here)
    compress(zeroBlock, 0, addressInput, 0, addresses, 0, false);
    compress(zeroBlock, 0, addresses, 0, addresses, 0, false);
  }

  // §3.4.2: maps the 32-bit J1 to a block index of the single lane, among the blocks this
  // position may reference, biased towards the most recent.
  function referenceIndex(pass, slice, index, segmentLength, laneLength, j1) {
    let areaSize;
    let start = 0;
    if (pass === 0) {
      areaSize = slice * segmentLength + index - 1; // everything so far but the previous block
    } else {
      areaSize = laneLength - segmentLength + index - 1; // all but the current segment
      if (slice !== SYNC_POINTS - 1) start = (slice + 1) * segmentLength;
    }
    // x = J1^2 / 2^32, y = |W| * x / 2^32, the position |W| - 1 - y counted from `start`.
    const x = mulHi(j1, j1);
    const y = mulHi(areaSize, x) >>> 0;
    return (start + areaSize - 1 - y) % laneLength;
  }

  // §3.4.1.3: the first pass's first half addresses independently of the data (Argon2i); the
  // rest uses the previous block's first word (Argon2d).
  function fillSegment(mem, pass, slice, segmentLength, laneLength, t) {
    const independent = pass === 0 && slice < SYNC_POINTS / 2;
    let index = 0;
    if (independent) {
      // Z = LE64(r) || LE64(l) || LE64(sl) || LE64(m') || LE64(t) || LE64(y), then the counter.
      addressInput.fill(0);
      addressInput[0] = pass;
      addressInput[2] = 0; // lane
      addressInput[4] = slice;
      addressInput[6] = laneLength;
      addressInput[8] = t;
      addressInput[10] = ARGON2ID;
    }
    if (pass === 0 && slice === 0) {
      index = 2; // blocks 0 and 1 come from H_0
      if (independent) nextAddresses();
    }
    let cur = slice * segmentLength + index;
    for (; index < segmentLength; index++, cur++) {
      const prev = cur === 0 ? laneLength - 1 : cur - 1;
      let j1;
      if (independent) {
        if (index % ADDRESSES_PER_BLOCK === 0) nextAddresses();
        j1 = addresses[2 * (index % ADDRESSES_PER_BLOCK)];
      } else {
        j1 = mem[prev * BLOCK_WORDS];
      }
      // J2 picks the lane: with one lane, always this one.
      const ref = referenceIndex(pass, slice, index, segmentLength, laneLength, j1);
      compress(mem, prev * BLOCK_WORDS, mem, ref * BLOCK_WORDS, mem, cur * BLOCK_WORDS, pass > 0);
    }
  }

  // Argon2 memory for m KiB: m' = 4 * floor(m / 4) blocks (§3.2 step 2, p = 1). Allocate once
  // per job and pass it to every argon2id call.
  function allocateMemory(memoryKib) {
    return new Uint32Array(4 * Math.floor(memoryKib / 4) * BLOCK_WORDS);
  }

  // Argon2id(password, salt) with p = 1, T = 32, no K, no X: §3.2 steps 1 to 8. `password` and
  // `salt` are Uint8Arrays; `mem` comes from allocateMemory(memoryKib). Returns 32 bytes.
  const h0 = new Uint8Array(64);
  const blockBytes = new Uint8Array(1024);
  function argon2id(password, salt, memoryKib, iterations, mem) {
    const laneLength = mem.length / BLOCK_WORDS;
    if (laneLength !== 4 * Math.floor(memoryKib / 4) || laneLength < 8) {
      throw new RangeError("memory does not match memory_kib");
    }
    const segmentLength = laneLength / SYNC_POINTS;
    initialHash(password, salt, memoryKib, iterations, h0);
    // Step 3 and 4: B[0][0] and B[0][1] from H_0.
    for (let i = 0; i < 2; i++) {
      hashPrime(1024, h0, i, 0, blockBytes);
      bytesToWords(blockBytes, mem, i * BLOCK_WORDS);
    }
    // Steps 5 and 6: the passes, slice by slice.
    for (let pass = 0; pass < iterations; pass++) {
      for (let slice = 0; slice < SYNC_POINTS; slice++) {
        fillSegment(mem, pass, slice, segmentLength, laneLength, iterations);
      }
    }
    // Steps 7 and 8: the tag from the last block (the only lane's last column).
    wordsToBytes(mem, (laneLength - 1) * BLOCK_WORDS, blockBytes);
    const tag = new Uint8Array(TAG_BYTES);
    hashPrime(TAG_BYTES, blockBytes, null, null, tag);
    return tag;
  }

  // Little-endian conversions between a 1024-byte block and its 256 words.
  function bytesToWords(bytes, words, offset) {
    for (let i = 0; i < BLOCK_WORDS; i++) {
      const j = 4 * i;
      words[offset + i] = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24);
    }
  }

  function wordsToBytes(words, offset, bytes) {
    for (let i = 0; i < BLOCK_WORDS; i++) {
      const w = words[offset + i];
      const j = 4 * i;
      bytes[j] = w;
      bytes[j + 1] = w >>> 8;
      bytes[j + 2] = w >>> 16;
      bytes[j + 3] = w >>> 24;
    }
  }

  // ---------------------------------------------------------------------------------------
  // The puzzle.
  // ---------------------------------------------------------------------------------------

  // The challenge is ASCII (URL-safe base64 and '.'), so its UTF-8 bytes are its char codes.
  function asciiBytes(text) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  // Number of leading zero bits, most significant bit of byte 0 first.
  function leadingZeroBits(bytes) {
    let bits = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) return bits + Math.clz32(bytes[i]) - 24;
      bits += 8;
    }
    return bits;
  }

  // Checks a job as posted by the page; returns an error message, or null when it is sound.
  function invalidJob(job) {
    if (job === null || typeof job !== "object") return "job must be an object";
    const { challenge, difficulty, memory_kib: m, iterations: t } = job;
    if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > MAX_CHALLENGE ||
        !/^[A-Za-z0-9_\-.=]+$/.test(challenge)) {
      return "challenge must be URL-safe base64 and '.'";
    }
    if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_DIFFICULTY) {
      return "difficulty must be an integer from 0 to " + MAX_DIFFICULTY;
    }
    if (!Number.isInteger(m) || m < 8 || m > MAX_MEMORY_KIB) {
      return "memory_kib must be an integer from 8 to " + MAX_MEMORY_KIB;
    }
    if (!Number.isInteger(t) || t < 1 || t > MAX_ITERATIONS) {
      return "iterations must be an integer from 1 to " + MAX_ITERATIONS;
    }
    return null;
  }

  // Tries nonces from 0 up and returns the first whose tag has `difficulty` leading zero bits.
  // onProgress(attempts) is called every PROGRESS_EVERY attempts.
  function solve(job, onProgress) {
    const problem = invalidJob(job);
    if (problem) throw new Error(problem);
    const salt = asciiBytes(SALT);
    const mem = allocateMemory(job.memory_kib);
    for (let nonce = 0; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
      const password = asciiBytes(job.challenge + ":" + nonce);
      const tag = argon2id(password, salt, job.memory_kib, job.iterations, mem);
      if (leadingZeroBits(tag) >= job.difficulty) return nonce;
      if (onProgress && (nonce + 1) % PROGRESS_EVERY === 0) onProgress(nonce + 1);
    }
    throw new Error("no nonce found");
  }

  // What the Node test reaches for: the exact file the browser runs.
  self.VigiePow = { argon2id, allocateMemory, leadingZeroBits, solve, invalidJob, PROGRESS_EVERY };

  self.onmessage = function (event) {
    let nonce;
    try {
      nonce = solve(event.data, (attempts) => self.postMessage({ progress: attempts }));
    } catch (err) {
      // A RangeError here means the memory could not be allocated.
      self.postMessage({ error: String((err && err.message) || err) });
      return;
    }
    self.postMessage({ nonce });
  };
})();
