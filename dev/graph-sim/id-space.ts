/**
 * GUIDs that a streaming tenant can compute from an index and turn back into the index, so a
 * lookup by id (`/devices(deviceId='…')`, `managedDevices/{id}`, a group member's user) costs
 * O(1) without a map of a million entries. The first 32 bits are a keyed Feistel permutation
 * of the index (so they look random and spread evenly: the first two hex characters shard
 * uniformly, as real GUIDs do); the other bits are a keyed hash of the index. Version 4 and
 * the RFC 4122 variant are set like any random GUID. Not for anything secret.
 */

export function hashString(text: string): number {
  // FNV-1a, as Prng seeds use.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: a cheap, well-mixed hash of one word. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A keyed hash of (key, index, salt) in [0, 2^32). */
export function hash3(key: number, index: number, salt: number): number {
  return mix32(mix32(key ^ Math.imul(index + 1, 0x9e3779b1)) ^ Math.imul(salt + 1, 0x85ebca77));
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

export class IdSpace {
  private readonly keys: number[];
  private readonly key: number;

  /** `name` separates spaces (users, devices...) of one seed; `size` bounds valid indexes. */
  constructor(
    seed: string,
    name: string,
    readonly size: number,
  ) {
    this.key = hashString(`${seed}:${name}`);
    this.keys = [1, 2, 3, 4].map((r) => mix32(this.key + r * 0x632be5ab));
  }

  private round(half: number, r: number): number {
    return mix32(half ^ (this.keys[r] as number)) & 0xffff;
  }

  /** Bijection on 32-bit words. */
  permute(i: number): number {
    let l = (i >>> 16) & 0xffff;
    let r = i & 0xffff;
    for (let k = 0; k < 4; k++) {
      const next = l ^ this.round(r, k);
      l = r;
      r = next;
    }
    return ((l << 16) | r) >>> 0;
  }

  unpermute(p: number): number {
    let l = (p >>> 16) & 0xffff;
    let r = p & 0xffff;
    for (let k = 3; k >= 0; k--) {
      const prev = r ^ this.round(l, k);
      r = l;
      l = prev;
    }
    return ((l << 16) | r) >>> 0;
  }

  guid(index: number): string {
    const a = hex8(this.permute(index));
    const b = hex8(hash3(this.key, index, 1));
    const c = hex8(hash3(this.key, index, 2));
    const d = hex8(hash3(this.key, index, 3));
    const variant = ((Number.parseInt(c[0] as string, 16) & 0x3) | 0x8).toString(16);
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }

  /** The index whose guid this is, or undefined (another space, out of range, not ours). */
  indexOf(id: string): number | undefined {
    const s = id.toLowerCase();
    if (!/^[0-9a-f]{8}-/.test(s)) return undefined;
    const index = this.unpermute(Number.parseInt(s.slice(0, 8), 16));
    if (index >= this.size) return undefined;
    return this.guid(index) === s ? index : undefined;
  }
}
