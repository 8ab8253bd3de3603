import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError, readEnv } from '../../src/config.js';
import { connectionOptionsFor, temporalConnectionFromEnv } from '../../src/temporal.js';

const fromEnv = (values: Record<string, string>) => temporalConnectionFromEnv(readEnv(values));

describe('Temporal Cloud settings: TEMPORAL_TLS_* and TEMPORAL_API_KEY', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runstream-tls-'));
  const certPath = join(dir, 'client.pem');
  const keyPath = join(dir, 'client.key');
  writeFileSync(certPath, '-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n');
  writeFileSync(keyPath, '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');

  it('nothing set: a plain connection, as to a dev server', () => {
    expect(fromEnv({})).toEqual({});
  });

  it('an API key implies TLS (Temporal Cloud) and is sent by both connections', () => {
    const settings = fromEnv({ TEMPORAL_API_KEY: 'cloud-key' });
    expect(settings).toEqual({ tls: {}, apiKey: 'cloud-key' });
    expect(connectionOptionsFor({ address: 'ns.acct.tmprl.cloud:7233', ...settings })).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'cloud-key' });
  });

  it('mTLS: certificate and key from files or PEM text, a CA and a server name', () => {
    const settings = fromEnv({ TEMPORAL_TLS_CERT_PATH: certPath, TEMPORAL_TLS_KEY_PATH: keyPath, TEMPORAL_TLS_CA_DATA: 'ca-pem', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    expect(settings.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(settings.tls?.clientCertPair?.key.toString()).toContain('BEGIN PRIVATE KEY');
    expect(Buffer.from(settings.tls?.serverRootCACertificate ?? []).toString()).toBe('ca-pem');
    expect(settings.tls?.serverNameOverride).toBe('temporal.internal');
    expect(settings.apiKey).toBeUndefined();
    expect(fromEnv({ TEMPORAL_TLS_CERT_DATA: 'c', TEMPORAL_TLS_KEY_DATA: 'k' }).tls?.clientCertPair?.crt.toString()).toBe('c');
    expect(fromEnv({ TEMPORAL_TLS: 'true' })).toEqual({ tls: {} });
  });

  it('a bad combination or an unreadable file is one clear line naming the variable', () => {
    expect(() => fromEnv({ TEMPORAL_TLS_CERT_PATH: certPath })).toThrow(new ConfigError('TEMPORAL_TLS_CERT_* and TEMPORAL_TLS_KEY_* go together: set both (mTLS) or neither'));
    expect(() => fromEnv({ TEMPORAL_TLS_CERT_PATH: join(dir, 'missing.pem'), TEMPORAL_TLS_KEY_PATH: keyPath })).toThrow(/^TEMPORAL_TLS_CERT_PATH: cannot read .*missing\.pem \(ENOENT\)$/);
    expect(() => fromEnv({ TEMPORAL_TLS_CA_PATH: certPath, TEMPORAL_TLS_CA_DATA: 'x' })).toThrow(/TEMPORAL_TLS_CA_PATH and TEMPORAL_TLS_CA_DATA are both set/);
    expect(() => fromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' })).toThrow(/TEMPORAL_TLS=false but/);
    expect(() => fromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toThrow('TEMPORAL_API_KEY needs TLS: drop TEMPORAL_TLS=false');
    expect(() => readEnv({ TEMPORAL_TLS: 'maybe' })).toThrow('TEMPORAL_TLS must be true or false');
  });

  it('the SDK connections take them: plain towards the dev server works, TLS towards it is refused by both', async () => {
    const address = inject('temporalAddress');
    const plain = connectionOptionsFor({ address, ...fromEnv({}) });
    await (await NativeConnection.connect(plain)).close();
    await (await Connection.connect(plain)).close();
    const tls = connectionOptionsFor({ address, ...fromEnv({ TEMPORAL_API_KEY: 'k' }) });
    await expect(NativeConnection.connect(tls)).rejects.toThrow();
    await expect(Connection.connect({ ...tls, connectTimeout: 2_000 })).rejects.toThrow();
  });
});
