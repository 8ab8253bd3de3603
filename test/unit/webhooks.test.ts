import { describe, expect, it } from 'vitest';
import { emptyCatalogueView } from '../../src/catalogue/catalogue-reader.js';
import { resolveRun } from '../../src/catalogue/resolve-run.js';
import { readEnv } from '../../src/config.js';
import { addressRefusal, parseWebhookHosts, urlRefusal } from '../../src/webhooks/webhook-hosts.js';
import { parseWebhookSecret } from '../../src/webhooks/webhook-secret.js';
import { signWebhook } from '../../src/webhooks/webhook-signature.js';
import { verifyStandardWebhook } from '../support/standard-webhooks.js';

describe('webhook hosts (SSRF)', () => {
  const hosts = parseWebhookHosts('hooks.example.com, 10.1.2.3, 192.168.0.0/16, [fd00::1]');

  it('only listed hosts; internal addresses only when the address or its range is listed', () => {
    expect(urlRefusal('https://hooks.example.com/x', hosts)).toBeUndefined();
    expect(urlRefusal('http://10.1.2.3:8080/x', hosts)).toBeUndefined();
    expect(urlRefusal('http://192.168.4.5/x', hosts)).toBeUndefined();
    expect(urlRefusal('https://other.example.com/', hosts)).toMatch(/not listed/);
    expect(urlRefusal('http://10.1.2.4/', hosts)).toMatch(/not listed/);
    expect(urlRefusal('http://user:pw@hooks.example.com/', hosts)).toMatch(/credentials/);
    expect(urlRefusal('file:///etc/passwd', hosts)).toMatch(/http/);
    expect(urlRefusal('https://hooks.example.com/', parseWebhookHosts(undefined))).toMatch(/off/);
  });

  it('judges resolved addresses, IPv4-mapped IPv6 as IPv4', () => {
    for (const address of ['127.0.0.1', '169.254.169.254', '10.0.0.1', '172.16.9.9', '::1', 'fe80::1', '::ffff:127.0.0.1', '100.64.0.1', '0.0.0.0']) {
      expect(addressRefusal(address, hosts), address).toMatch(/private, loopback or link-local/);
    }
    for (const address of ['93.184.215.14', '2606:4700::1111', '10.1.2.3', '192.168.1.1', 'fd00::1', '::ffff:10.1.2.3']) {
      expect(addressRefusal(address, hosts), address).toBeUndefined();
    }
  });

  it('a bad entry or secret is one line naming the variable, never the value', () => {
    expect(() => readEnv({ RUNSTREAM_WEBHOOK_HOSTS: 'hooks.example.com, not a host' })).toThrow(/^RUNSTREAM_WEBHOOK_HOSTS holds "not a host"/);
    expect(() => readEnv({ RUNSTREAM_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' })).toThrow(/^RUNSTREAM_WEBHOOK_SECRET must hold 24 to 64 bytes/);
    expect(() => readEnv({ RUNSTREAM_WEBHOOK_SECRET: 'whsec_not base64!' })).toThrow(/^RUNSTREAM_WEBHOOK_SECRET must be whsec_/);
  });
});

describe('webhook signatures', () => {
  it('match the Standard Webhooks example secret and verify with the reference verifier', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signWebhook(parseWebhookSecret(secret), 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', 1614265330_000);
    // The spec's own example: this id, timestamp, body and secret give this signature.
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyStandardWebhook(secret, headers, '{"test": 2432232314}', { now: 1614265330_000 })).toEqual({ ok: true });
  });
});

describe('webhook settings resolve like an agent\'s others', () => {
  it("the request's webhook, else its agent's", () => {
    const view = emptyCatalogueView('q');
    view.workers = ['w1'];
    view.agents.set('notifier', { definition: { name: 'notifier', webhook: { url: 'https://hooks.example.com/a' } }, workers: ['w1'] });
    const fromAgent = resolveRun({ input: 'hi', agent: 'notifier' }, view, { model: 'demo', maxSteps: 3 });
    expect(fromAgent.ok && fromAgent.value.webhook).toEqual({ url: 'https://hooks.example.com/a' });
    const own = resolveRun({ input: 'hi', agent: 'notifier', webhook: { url: 'https://hooks.example.com/b', events: ['run.failed'] } }, view, { model: 'demo', maxSteps: 3 });
    expect(own.ok && own.value.webhook).toEqual({ url: 'https://hooks.example.com/b', events: ['run.failed'] });
  });
});
