/**
 * Fuzz inputs as JSON, so that a case can be stored in the regression corpus and replayed later.
 *
 * Plain JSON values stand for themselves. Everything else is an object with a `$` tag. Tagged values are
 * `undefined`, numbers that JSON cannot hold, BigInts, Buffers and typed arrays, functions, symbols, objects (as
 * entry lists, so that keys may start with `$`) and objects whose getters throw. PEM data is tagged too: a test
 * certificate or key and a list of mutations. PEM inputs name their base certificate instead of holding its bytes, because the certificates are
 * generated anew in each process.
 */
import { Random } from './random';

export type Encoded =
  | null
  | boolean
  | number
  | string
  | Encoded[]
  | { $: string; [field: string]: unknown };

/** A change to PEM bytes. Positions are fractions of the current length, so a case fits any certificate. */
export type PemMutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; base64: string }
  | { op: 'delete'; at: number; count: number }
  | { op: 'crlf' }
  | { op: 'header'; from: string; to: string }
  | { op: 'repeat'; times: number }
  | { op: 'wrap'; before: string; after: string }
  | { op: 'concat'; other: string };

/** The PEM inputs a mutation can start from; `decode` looks them up in the test certificates. */
export const PEM_BASES = [
  'ca.cert', 'server.cert', 'server.key', 'client.cert', 'client.key', 'expiredServer.cert', 'otherCa.cert',
  'otherServer.cert', 'otherServer.key', 'server.keyEncrypted', 'server.keyEncryptedTraditional', 'empty',
] as const;

export type PemBase = typeof PEM_BASES[number];

export interface DecodeContext {
  /** Returns the bytes of a PEM base. */
  pem(base: string): Buffer;
}

const PEM_LABELS = [
  'CERTIFICATE', 'PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PUBLIC KEY',
  'X509 CRL', 'CERTIFICATE REQUEST', 'TRUSTED CERTIFICATE', '', 'CERTIFICATE ', 'certificate',
];

/** The size that repeated PEM input grows to at most: 4 MB. */
const MAX_PEM_BYTES = 4 * 1024 * 1024;

function position(length: number, fraction: number): number {
  return Math.min(length, Math.max(0, Math.floor(fraction * length)));
}

export function applyPemMutation(data: Buffer, mutation: PemMutation, context: DecodeContext): Buffer {
  switch (mutation.op) {
    case 'truncate':
      return data.subarray(0, position(data.length, mutation.at));
    case 'flip': {
      if (data.length === 0) {
        return data;
      }
      const copy = Buffer.from(data);
      const index = Math.min(copy.length - 1, position(copy.length, mutation.at));
      copy[index] ^= 1 << mutation.bit;
      return copy;
    }
    case 'insert': {
      const at = position(data.length, mutation.at);
      return Buffer.concat([data.subarray(0, at), Buffer.from(mutation.base64, 'base64'), data.subarray(at)]);
    }
    case 'delete': {
      const at = position(data.length, mutation.at);
      return Buffer.concat([data.subarray(0, at), data.subarray(at + mutation.count)]);
    }
    case 'crlf':
      return Buffer.from(data.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    case 'header':
      return Buffer.from(data.toString('latin1').split(mutation.from).join(mutation.to), 'latin1');
    case 'repeat': {
      // Repeats stop at MAX_PEM_BYTES, so that chained repeats stay huge but not gigabytes.
      const times = Math.max(1, Math.min(mutation.times, Math.floor(MAX_PEM_BYTES / Math.max(1, data.length))));
      return Buffer.concat(Array.from({ length: times }, () => data));
    }
    case 'wrap':
      return Buffer.concat([Buffer.from(mutation.before, 'latin1'), data, Buffer.from(mutation.after, 'latin1')]);
    case 'concat':
      return Buffer.concat([data, context.pem(mutation.other)]);
  }
}

/** Generates a list of PEM mutations. */
export function randomPemMutations(random: Random): PemMutation[] {
  const mutations: PemMutation[] = [];
  const count = random.pick([0, 1, 1, 1, 2, 2, 3, 5]);
  for (let i = 0; i < count; i++) {
    const kind = random.int(0, 8);
    switch (kind) {
      case 0:
        mutations.push({ op: 'truncate', at: random.next() });
        break;
      case 1:
        mutations.push({ op: 'flip', at: random.next(), bit: random.int(0, 7) });
        break;
      case 2:
        mutations.push({ op: 'insert', at: random.next(), base64: insertedBytes(random).toString('base64') });
        break;
      case 3:
        mutations.push({ op: 'delete', at: random.next(), count: random.int(1, 64) });
        break;
      case 4:
        mutations.push({ op: 'crlf' });
        break;
      case 5: {
        const from = random.pick(['CERTIFICATE', 'PRIVATE KEY', 'BEGIN', 'END', '-----', '\n']);
        mutations.push({ op: 'header', from, to: random.pick(PEM_LABELS.concat(['', '----', 'BEGIN', '\r\n'])) });
        break;
      }
      case 6:
        // Huge inputs, up to MAX_PEM_BYTES, are rare because each one takes long to parse.
        mutations.push({ op: 'repeat', times: random.chance(0.9) ? random.int(2, 10) : random.pick([100, 1000, 4000]) });
        break;
      case 7:
        mutations.push({ op: 'wrap', before: extraText(random), after: extraText(random) });
        break;
      default:
        mutations.push({ op: 'concat', other: random.pick(PEM_BASES) });
        break;
    }
  }
  return mutations;
}

function insertedBytes(random: Random): Buffer {
  switch (random.int(0, 4)) {
    case 0:
      return random.bytes(random.length(4096));
    case 1:
      return Buffer.from([0]);
    case 2:
      return Buffer.from(`\n-----BEGIN ${random.pick(PEM_LABELS)}-----\n`);
    case 3:
      return Buffer.from(random.stringFrom('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=', random.length(200)));
    default:
      return Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
  }
}

function extraText(random: Random): string {
  return random.pick(['', 'subject=/CN=extra\n', 'Bag Attributes\n    localKeyID: 01\n', '\n\n\n', ' ', '\0',
    random.anyString(64)]);
}

/** Turns an encoded input into the value it stands for. */
export function decode(encoded: Encoded, context: DecodeContext): unknown {
  if (encoded === null || typeof encoded !== 'object') {
    return encoded;
  }
  if (Array.isArray(encoded)) {
    return encoded.map((item) => decode(item, context));
  }
  const tagged = encoded as { $: string; [field: string]: any };
  switch (tagged.$) {
    case 'undefined':
      return undefined;
    case 'number':
      return Number(tagged.value);
    case 'bigint':
      return BigInt(tagged.value);
    case 'buffer':
      return Buffer.from(tagged.base64, 'base64');
    case 'uint8array':
      return new Uint8Array(Buffer.from(tagged.base64, 'base64'));
    case 'arraybuffer': {
      const bytes = Buffer.from(tagged.base64, 'base64');
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    }
    case 'function':
      return function fuzzFunction() {
        return undefined;
      };
    case 'throwing-function':
      return () => {
        throw new Error('thrown by a fuzz input');
      };
    case 'symbol':
      return Symbol(tagged.description);
    case 'date':
      return new Date(Number(tagged.value));
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const [key, value] of tagged.entries as Array<[string, Encoded]>) {
        object[key] = decode(value, context);
      }
      return object;
    }
    case 'null-prototype': {
      const object = Object.create(null);
      for (const [key, value] of tagged.entries as Array<[string, Encoded]>) {
        object[key] = decode(value, context);
      }
      return object;
    }
    case 'throwing-getter':
      return new Proxy({}, {
        get() {
          throw new Error('a getter of a fuzz input threw');
        },
        ownKeys() {
          throw new Error('a fuzz input refused to list its keys');
        },
      });
    case 'pem': {
      let data = context.pem(tagged.base);
      for (const mutation of tagged.mutations as PemMutation[]) {
        data = applyPemMutation(data, mutation, context);
      }
      return tagged.asString ? data.toString('latin1') : data;
    }
    default:
      throw new Error(`unknown fuzz value tag ${tagged.$}`);
  }
}

/** Generates any JavaScript value, encoded: the wrong type for nearly every parameter. */
export function randomValue(random: Random, depth = 0): Encoded {
  const kind = random.int(0, depth > 1 ? 13 : 16);
  switch (kind) {
    case 0: return null;
    case 1: return { $: 'undefined' };
    case 2: return random.chance(0.5);
    case 3: return random.pick([0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 0.5, -0.5, 1e300, -1e300, 4294967296]);
    case 4: return { $: 'number', value: random.pick(['NaN', 'Infinity', '-Infinity', '-0']) };
    case 5: return { $: 'bigint', value: random.pick(['0', '1', '-1', '18446744073709551617']) };
    case 6: return random.anyString(256);
    case 7: return { $: 'buffer', base64: random.bytes(random.length(1024)).toString('base64') };
    case 8: return { $: 'uint8array', base64: random.bytes(random.length(64)).toString('base64') };
    case 9: return { $: 'arraybuffer', base64: random.bytes(random.length(64)).toString('base64') };
    case 10: return { $: random.pick(['function', 'throwing-function']) };
    case 11: return { $: 'symbol', description: 'fuzz' };
    case 12: return { $: 'date', value: random.pick([0, Date.now(), NaN, 8.64e15]) };
    case 13: return { $: 'throwing-getter' };
    case 14: return Array.from({ length: random.int(0, 4) }, () => randomValue(random, depth + 1));
    case 15: return { $: 'object', entries: randomEntries(random, depth) };
    default: return { $: 'null-prototype', entries: randomEntries(random, depth) };
  }
}

function randomEntries(random: Random, depth: number): Array<[string, Encoded]> {
  return Array.from({ length: random.int(0, 4) }, () => [random.anyString(16), randomValue(random, depth + 1)]);
}

/** Generates PEM input: a mutated test certificate or key, as a Buffer or a string. */
export function randomPem(random: Random, base?: PemBase): Encoded {
  return {
    $: 'pem',
    base: base ?? random.pick(PEM_BASES),
    mutations: randomPemMutations(random),
    asString: random.chance(0.2),
  };
}
