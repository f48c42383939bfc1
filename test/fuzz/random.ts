/**
 * A seeded pseudo-random generator for the fuzz cases, so that a case is rebuilt from its seed and index alone.
 * mulberry32: 32 bits of state, good enough to pick inputs, not for anything secret.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of case `index` in a run with `seed`: cases do not depend on each other. */
  static forCase(seed: number, index: number): Random {
    const mixed = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
    return new Random(mixed ^ (mixed >>> 15));
  }

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns an integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bytes(length: number): Buffer {
    const result = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      result[i] = this.int(0, 255);
    }
    return result;
  }

  /** Returns a length that is mostly small: 0-16 often, up to 256 sometimes, up to `max` rarely. */
  length(max: number): number {
    const roll = this.next();
    if (roll < 0.6) {
      return this.int(0, 16);
    }
    if (roll < 0.9) {
      return this.int(0, 256);
    }
    return this.int(0, max);
  }

  /** Returns a string of `length` characters drawn from `alphabet`. */
  stringFrom(alphabet: string, length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) {
      text += alphabet[this.int(0, alphabet.length - 1)];
    }
    return text;
  }

  /** Any UTF-16 string: ASCII, control characters, non-ASCII, lone surrogates and NUL. */
  anyString(maxLength: number): string {
    const length = this.length(maxLength);
    let text = '';
    for (let i = 0; i < length; i++) {
      const kind = this.next();
      if (kind < 0.6) {
        text += String.fromCharCode(this.int(0x20, 0x7e));
      } else if (kind < 0.75) {
        text += String.fromCharCode(this.int(0, 0x1f));
      } else if (kind < 0.9) {
        text += String.fromCharCode(this.int(0x80, 0xd7ff));
      } else if (kind < 0.95) {
        text += String.fromCharCode(this.int(0xd800, 0xdfff));
      } else {
        text += String.fromCodePoint(this.int(0x10000, 0x10ffff));
      }
    }
    return text;
  }
}
