// MurmurHash3 x86 32-bit of a byte array, as mmh3.hash(bytes, seed, signed=False)
// computes it: the bucketing hash of design §6. Written out here (some 40 lines) because the
// npm murmur3 packages hash a string's UTF-16 code units or low bytes, not its UTF-8 bytes.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * @param {Uint8Array} bytes
 * @param {number} [seed=0]
 * @returns {number} an unsigned 32-bit integer
 */
export function murmur3_32(bytes, seed = 0) {
  let h = seed >>> 0;
  const length = bytes.length;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[tail];
      k = Math.imul(k, C1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, C2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
