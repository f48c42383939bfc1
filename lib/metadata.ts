/**
 * Call metadata (HTTP/2 headers and trailers) with grpc-js's `Metadata` API and validation rules, plus the
 * conversions to and from the flat arrays that the native addon takes.
 */
import { LogVerbosity } from './constants';
import { log } from './logging';
import type { NativeMetadata } from './native';

export type MetadataValue = string | Buffer;
export type MetadataObject = Map<string, MetadataValue[]>;

/** Per-call flags that travel with the metadata object; they are not sent as headers. */
export interface MetadataOptions {
  /** The request is idempotent. Defaults to false. */
  idempotentRequest?: boolean;
  /** The call waits for the channel to connect instead of failing with UNAVAILABLE. Defaults to false. */
  waitForReady?: boolean;
  /** The request may be cached. Defaults to false. */
  cacheableRequest?: boolean;
  /** The initial metadata is held back until the first message. Defaults to false. */
  corked?: boolean;
}

// Header names: lowercase letters, digits, '_', '.', '-', and ':' as grpc-js allows it (pseudo-headers are never
// sent, see metadataToNative).
const LEGAL_KEY = /^[:0-9a-z_.-]+$/;
// Text values: printable ASCII including the space, as HTTP/2 and C-core accept them.
const LEGAL_TEXT_VALUE = /^[ -~]*$/;

function isBinaryKey(key: string): boolean {
  return key.endsWith('-bin');
}

function normalizeKey(key: string): string {
  if (typeof key !== 'string') {
    throw new TypeError(`Metadata key must be a string, got ${typeof key}`);
  }
  return key.toLowerCase();
}

function validateKey(key: string): void {
  if (!LEGAL_KEY.test(key)) {
    throw new Error(`Metadata key "${key}" contains illegal characters`);
  }
}

function validateValue(key: string, value: unknown): void {
  if (value === undefined || value === null) {
    throw new TypeError(`Metadata value for key "${key}" is missing`);
  }
  if (isBinaryKey(key)) {
    if (!Buffer.isBuffer(value)) {
      throw new Error("keys that end with '-bin' must have Buffer values");
    }
    return;
  }
  if (Buffer.isBuffer(value)) {
    throw new Error("keys that don't end with '-bin' must have String values");
  }
  // grpc-js tests String(value), so numbers and other primitives pass and are sent in their string form.
  if (!LEGAL_TEXT_VALUE.test(String(value))) {
    throw new Error(`Metadata string value "${String(value)}" contains illegal characters`);
  }
}

function copyValue(value: MetadataValue): MetadataValue {
  return Buffer.isBuffer(value) ? Buffer.from(value) : value;
}

/** A multimap of metadata entries. Keys are normalized to lowercase; each key keeps its values in order. */
export class Metadata {
  protected internalRepr: MetadataObject = new Map();
  private options: MetadataOptions;
  private opaqueData?: Map<string, unknown>;

  constructor(options: MetadataOptions = {}) {
    this.options = options;
  }

  /**
   * Replaces every value of `key` with `value`. The value must be a Buffer exactly when the key ends in `-bin`,
   * and otherwise a string of printable ASCII.
   */
  set(key: string, value: MetadataValue): void {
    key = normalizeKey(key);
    validateKey(key);
    validateValue(key, value);
    this.internalRepr.set(key, [value]);
  }

  /** Appends `value` to the values of `key`, with the same rules as {@link set}. */
  add(key: string, value: MetadataValue): void {
    key = normalizeKey(key);
    validateKey(key);
    validateValue(key, value);
    const values = this.internalRepr.get(key);
    if (values === undefined) {
      this.internalRepr.set(key, [value]);
    } else {
      values.push(value);
    }
  }

  /** Removes `key` and all its values. */
  remove(key: string): void {
    this.internalRepr.delete(normalizeKey(key));
  }

  /** Returns the values of `key` in the order they were added, or an empty array. */
  get(key: string): MetadataValue[] {
    return this.internalRepr.get(normalizeKey(key)) ?? [];
  }

  /** Returns a plain object mapping each key to its first value; Buffers are copies. */
  getMap(): { [key: string]: MetadataValue } {
    const result: { [key: string]: MetadataValue } = {};
    for (const [key, values] of this.internalRepr) {
      if (values.length > 0) {
        result[key] = copyValue(values[0]);
      }
    }
    return result;
  }

  /** Returns a deep copy: Buffers are copied, the options object is shared as in grpc-js. */
  clone(): Metadata {
    const copy = new Metadata(this.options);
    for (const [key, values] of this.internalRepr) {
      copy.internalRepr.set(key, values.map(copyValue));
    }
    return copy;
  }

  /** Appends every entry of `other` to this object, after the values this object already has for that key. */
  merge(other: Metadata): void {
    for (const [key, values] of other.internalRepr) {
      const existing = this.internalRepr.get(key) ?? [];
      this.internalRepr.set(key, existing.concat(values));
    }
  }

  setOptions(options: MetadataOptions): void {
    this.options = options;
  }

  getOptions(): MetadataOptions {
    return this.options;
  }

  /** Makes `JSON.stringify` print the entries as an object of arrays. */
  toJSON(): { [key: string]: MetadataValue[] } {
    const result: { [key: string]: MetadataValue[] } = {};
    for (const [key, values] of this.internalRepr) {
      result[key] = values;
    }
    return result;
  }

  /**
   * Attaches a value that travels with this object inside the process and is never sent. Keys starting with
   * `grpc` are reserved for the library.
   */
  setOpaque(key: string, value: unknown): void {
    this.opaqueData ??= new Map();
    this.opaqueData.set(key, value);
  }

  /** Returns a value stored with {@link setOpaque}, or undefined. */
  getOpaque(key: string): unknown {
    return this.opaqueData?.get(key);
  }
}

/**
 * Flattens metadata into the native addon's `[key, value, ...]` form. Pseudo-headers (keys starting with `:`) are
 * left out, as grpc-js leaves them out of the HTTP/2 headers it sends: C-core would reject the whole batch.
 */
export function metadataToNative(metadata: Metadata): NativeMetadata {
  const flat: NativeMetadata = [];
  // toJSON returns the stored arrays themselves, so no Buffer is copied here.
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    if (key.startsWith(':')) {
      continue;
    }
    for (const value of values) {
      flat.push(key, Buffer.isBuffer(value) ? value : String(value));
    }
  }
  return flat;
}

/**
 * Builds a Metadata object from the native addon's `[key, value, ...]` form. An entry that breaks the rules of
 * {@link Metadata.add} (a peer may send a text value outside printable ASCII) is logged and dropped, as grpc-js
 * drops such headers.
 */
export function metadataFromNative(flat: NativeMetadata): Metadata {
  const metadata = new Metadata();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const key = flat[i] as string;
    let value = flat[i + 1];
    if (!isBinaryKey(key) && Buffer.isBuffer(value)) {
      value = value.toString('latin1');
    } else if (isBinaryKey(key) && !Buffer.isBuffer(value)) {
      value = Buffer.from(value, 'base64');
    }
    try {
      metadata.add(key, value);
    } catch (error) {
      log(LogVerbosity.ERROR, `Dropped received metadata entry "${key}": ${(error as Error).message}`);
    }
  }
  return metadata;
}
