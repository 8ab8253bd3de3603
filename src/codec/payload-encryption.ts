import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// The proto package is CommonJS whose exports Node cannot list: its namespace comes through the default export.
import proto from '@temporalio/proto';

/**
 * AES-256-GCM encryption of every payload the Temporal client and worker
 * write (workflow inputs, activity inputs and results, query answers, failure
 * details), so history at rest holds ciphertext. It runs in the data
 * converter, outside the workflow sandbox: workflow code never sees it.
 *
 * An encrypted payload keeps only `encoding: binary/encrypted` and the id of
 * its key in metadata; its data is IV (12 bytes) + ciphertext + tag (16
 * bytes) of the whole original payload (metadata included). The key id lets
 * keys rotate: the first key encrypts, every key listed decrypts, so old
 * histories stay readable while new payloads use the new key.
 */

export const encryptedEncoding = 'binary/encrypted';
export const keyIdMetadata = 'encryption-key-id';

const ivBytes = 12;
const tagBytes = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class PayloadKeyError extends Error {
  override readonly name = 'PayloadKeyError';
}

export interface PayloadKey {
  /** Derived from the key (not secret): names it in each payload's metadata. */
  id: string;
  key: Buffer;
}

/** A 32-byte key given as 64 hex digits or base64 (what `openssl rand -base64 32` prints). */
export function parsePayloadKey(text: string): PayloadKey {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (key?.length !== 32) throw new PayloadKeyError('must be a 32-byte key as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)');
  // The id names the key in payload metadata; a hash prefix says nothing useful about the key itself.
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** The codec `RUNSTREAM_PAYLOAD_KEY` asks for; undefined (no encryption) when it is not set. */
export function payloadCodecFor(value: string | undefined): EncryptionCodec | undefined {
  return value ? new EncryptionCodec(parsePayloadKeys(value)) : undefined;
}

/** `RUNSTREAM_PAYLOAD_KEY`: one key, or several comma separated (the first encrypts; all decrypt, for rotation). */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const keys = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0).map(parsePayloadKey);
  if (keys.length === 0) throw new PayloadKeyError('must hold at least one key');
  return keys;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new PayloadKeyError('an encryption codec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((key) => [key.id, key.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(encryptedEncoding), [keyIdMetadata]: encoder.encode(this.current.id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was turned on stay readable as they are.
      if (!payload.metadata?.encoding || decoder.decode(payload.metadata.encoding) !== encryptedEncoding) return payload;
      const keyId = payload.metadata[keyIdMetadata] ? decoder.decode(payload.metadata[keyIdMetadata]) : '';
      const key = this.byId.get(keyId);
      if (!key) throw new PayloadKeyError(`a payload is encrypted with key ${keyId || '(none named)'}, which is not among RUNSTREAM_PAYLOAD_KEY's keys`);
      const data = payload.data ?? new Uint8Array();
      if (data.length < ivBytes + tagBytes) throw new PayloadKeyError('an encrypted payload is too short to hold its IV and tag');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
      decipher.setAuthTag(data.subarray(data.length - tagBytes));
      const plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
