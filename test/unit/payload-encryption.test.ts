import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec, encryptedEncoding, keyIdMetadata, parsePayloadKey, parsePayloadKeys } from '../../src/codec/payload-encryption.js';
import { readEnv } from '../../src/config.js';

const hexKey = () => randomBytes(32).toString('hex');
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

describe('payload encryption codec', () => {
  it('round-trips payloads as AES-256-GCM ciphertext that names its key', async () => {
    const key = parsePayloadKey(hexKey());
    const codec = new EncryptionCodec([key]);
    const payload = defaultPayloadConverter.toPayload({ secret: 'the plaintext marker' });
    const [encrypted] = await codec.encode([payload]);
    expect(text(encrypted!.metadata!.encoding)).toBe(encryptedEncoding);
    expect(text(encrypted!.metadata![keyIdMetadata])).toBe(key.id);
    expect(Buffer.from(encrypted!.data!).includes('plaintext marker')).toBe(false);
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ secret: 'the plaintext marker' });
  });

  it('rotates keys: the first encrypts, every listed key decrypts, an unknown key is named', async () => {
    const [oldKey, newKey] = [hexKey(), randomBytes(32).toString('base64')];
    const before = new EncryptionCodec(parsePayloadKeys(oldKey));
    const [old] = await before.encode([defaultPayloadConverter.toPayload('written before the rotation')]);
    const after = new EncryptionCodec(parsePayloadKeys(`${newKey},${oldKey}`));
    expect(defaultPayloadConverter.fromPayload((await after.decode([old!]))[0]!)).toBe('written before the rotation');
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('new')]);
    expect(text(fresh!.metadata![keyIdMetadata])).toBe(parsePayloadKey(newKey).id);
    await expect(new EncryptionCodec(parsePayloadKeys(newKey)).decode([old!])).rejects.toThrow(`key ${parsePayloadKey(oldKey).id}`);
  });

  it('refuses a tampered payload and passes unencrypted ones through', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(hexKey()));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow();
    const plain = defaultPayloadConverter.toPayload('older history');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('RUNSTREAM_PAYLOAD_KEY: a bad key is one line naming the variable, never the value', () => {
    expect(() => readEnv({ RUNSTREAM_PAYLOAD_KEY: 'not-a-key-secret' })).toThrow(/^RUNSTREAM_PAYLOAD_KEY must be a 32-byte key/);
    expect(() => readEnv({ RUNSTREAM_PAYLOAD_KEY: 'not-a-key-secret' })).not.toThrow(/not-a-key-secret/);
    expect(readEnv({ RUNSTREAM_PAYLOAD_KEY: hexKey() }).RUNSTREAM_PAYLOAD_KEY).toMatch(/^[0-9a-f]{64}$/);
  });
});
