import * as assert from 'assert';
import { Metadata, metadataFromNative, metadataToNative } from '../lib/metadata';
import { setLogger } from '../lib/logging';

describe('Metadata', () => {
  describe('set and add', () => {
    it('normalizes keys to lowercase', () => {
      const metadata = new Metadata();
      metadata.set('X-Request-ID', 'abc');
      assert.deepStrictEqual(metadata.get('x-request-id'), ['abc']);
      assert.deepStrictEqual(metadata.get('X-REQUEST-ID'), ['abc']);
    });

    it('accepts every legal key character', () => {
      const metadata = new Metadata();
      metadata.set('az09_.-:', 'v');
      assert.deepStrictEqual(metadata.get('az09_.-:'), ['v']);
    });

    it('rejects keys with illegal characters', () => {
      const metadata = new Metadata();
      for (const key of ['', 'a b', 'key/x', 'ключ', 'a\nb', 'tab\t']) {
        assert.throws(() => metadata.set(key, 'v'), /contains illegal characters/, `key ${JSON.stringify(key)}`);
        assert.throws(() => metadata.add(key, 'v'), /contains illegal characters/, `key ${JSON.stringify(key)}`);
      }
    });

    it('rejects a key that is not a string', () => {
      assert.throws(() => new Metadata().set(5 as any, 'v'), /Metadata key must be a string, got number/);
    });

    it('requires Buffers for -bin keys', () => {
      const metadata = new Metadata();
      assert.throws(() => metadata.set('data-bin', 'text'), /keys that end with '-bin' must have Buffer values/);
      metadata.set('data-bin', Buffer.from([0, 255]));
      assert.deepStrictEqual(metadata.get('data-bin'), [Buffer.from([0, 255])]);
    });

    it('requires strings for other keys', () => {
      const metadata = new Metadata();
      assert.throws(() => metadata.set('text', Buffer.from('x')), /keys that don't end with '-bin' must have String/);
    });

    it('rejects text values outside printable ASCII', () => {
      const metadata = new Metadata();
      for (const value of ['caf\u00e9', 'line\nbreak', '\u0000', 'del\u007f']) {
        assert.throws(() => metadata.set('k', value), /contains illegal characters/, JSON.stringify(value));
      }
      metadata.set('k', ' !~ printable ');
      assert.deepStrictEqual(metadata.get('k'), [' !~ printable ']);
    });

    it('rejects a missing value', () => {
      assert.throws(() => new Metadata().set('k', undefined as any), /Metadata value for key "k" is missing/);
      assert.throws(() => new Metadata().add('k', null as any), /Metadata value for key "k" is missing/);
    });

    it('accepts grpc- prefixed keys', () => {
      const metadata = new Metadata();
      metadata.set('grpc-internal-encoding-request', 'gzip');
      assert.deepStrictEqual(metadata.get('grpc-internal-encoding-request'), ['gzip']);
    });

    it('set replaces and add appends', () => {
      const metadata = new Metadata();
      metadata.add('k', 'a');
      metadata.add('K', 'b');
      assert.deepStrictEqual(metadata.get('k'), ['a', 'b']);
      metadata.set('k', 'c');
      assert.deepStrictEqual(metadata.get('k'), ['c']);
    });
  });

  describe('remove and get', () => {
    it('removes every value of a key', () => {
      const metadata = new Metadata();
      metadata.add('k', 'a');
      metadata.add('k', 'b');
      metadata.remove('K');
      assert.deepStrictEqual(metadata.get('k'), []);
    });

    it('returns an empty array for an unknown key', () => {
      assert.deepStrictEqual(new Metadata().get('absent'), []);
    });
  });

  describe('getMap', () => {
    it('maps each key to its first value with copied Buffers', () => {
      const metadata = new Metadata();
      const buffer = Buffer.from('bytes');
      metadata.add('k', 'first');
      metadata.add('k', 'second');
      metadata.set('b-bin', buffer);
      const map = metadata.getMap();
      assert.strictEqual(map.k, 'first');
      assert.deepStrictEqual(map['b-bin'], buffer);
      assert.notStrictEqual(map['b-bin'], buffer);
    });
  });

  describe('clone and merge', () => {
    it('clone copies Buffers and keeps the options', () => {
      const metadata = new Metadata({ waitForReady: true });
      const buffer = Buffer.from('abc');
      metadata.set('b-bin', buffer);
      const copy = metadata.clone();
      buffer[0] = 0;
      assert.deepStrictEqual(copy.get('b-bin'), [Buffer.from('abc')]);
      assert.deepStrictEqual(copy.getOptions(), { waitForReady: true });
    });

    it('clone is independent of the original', () => {
      const metadata = new Metadata();
      metadata.set('k', 'a');
      const copy = metadata.clone();
      copy.add('k', 'b');
      assert.deepStrictEqual(metadata.get('k'), ['a']);
    });

    it('merge appends the other object values', () => {
      const first = new Metadata();
      first.add('k', 'a');
      const second = new Metadata();
      second.add('k', 'b');
      second.add('other', 'c');
      first.merge(second);
      assert.deepStrictEqual(first.get('k'), ['a', 'b']);
      assert.deepStrictEqual(first.get('other'), ['c']);
    });
  });

  describe('options, JSON and opaque data', () => {
    it('setOptions replaces the options', () => {
      const metadata = new Metadata();
      assert.deepStrictEqual(metadata.getOptions(), {});
      metadata.setOptions({ idempotentRequest: true });
      assert.deepStrictEqual(metadata.getOptions(), { idempotentRequest: true });
    });

    it('JSON.stringify shows every value', () => {
      const metadata = new Metadata();
      metadata.add('k', 'a');
      metadata.add('k', 'b');
      assert.strictEqual(JSON.stringify(metadata), '{"k":["a","b"]}');
    });

    it('opaque data is stored and not sent', () => {
      const metadata = new Metadata();
      const token = { id: 1 };
      metadata.setOpaque('my-data', token);
      assert.strictEqual(metadata.getOpaque('my-data'), token);
      assert.strictEqual(metadata.getOpaque('absent'), undefined);
      assert.deepStrictEqual(metadataToNative(metadata), []);
    });
  });
});

describe('metadataToNative', () => {
  it('flattens entries in order', () => {
    const metadata = new Metadata();
    metadata.add('a', '1');
    metadata.add('a', '2');
    metadata.add('b-bin', Buffer.from([1, 2]));
    assert.deepStrictEqual(metadataToNative(metadata), ['a', '1', 'a', '2', 'b-bin', Buffer.from([1, 2])]);
  });

  it('leaves out pseudo-headers', () => {
    const metadata = new Metadata();
    metadata.set(':authority', 'example');
    metadata.set('kept', 'yes');
    assert.deepStrictEqual(metadataToNative(metadata), ['kept', 'yes']);
  });

  it('sends numbers as strings', () => {
    const metadata = new Metadata();
    metadata.set('count', 5 as any);
    assert.deepStrictEqual(metadataToNative(metadata), ['count', '5']);
  });
});

describe('metadataFromNative', () => {
  let logged: string[];

  beforeEach(() => {
    logged = [];
    setLogger({ error: (message: string) => logged.push(message) });
  });

  afterEach(() => {
    setLogger(console);
  });

  it('builds a Metadata object', () => {
    const metadata = metadataFromNative(['a', '1', 'a', '2', 'b-bin', Buffer.from([9])]);
    assert.deepStrictEqual(metadata.get('a'), ['1', '2']);
    assert.deepStrictEqual(metadata.get('b-bin'), [Buffer.from([9])]);
  });

  it('drops and logs an illegal entry', () => {
    const metadata = metadataFromNative(['bad', 'caf\u00e9', 'good', 'ok']);
    assert.deepStrictEqual(metadata.get('bad'), []);
    assert.deepStrictEqual(metadata.get('good'), ['ok']);
    assert.strictEqual(logged.length, 1);
    assert.match(logged[0], /Dropped received metadata entry "bad"/);
  });

  it('round-trips through metadataToNative', () => {
    const metadata = new Metadata();
    metadata.add('x', 'y');
    metadata.add('z-bin', Buffer.from('\u00ff', 'latin1'));
    assert.deepStrictEqual(metadataFromNative(metadataToNative(metadata)).toJSON(), metadata.toJSON());
  });
});
