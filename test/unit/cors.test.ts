import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import type { ApiEnv } from '../../src/server/app.js';
import { corsFromEnv, createCors, type CorsSettings } from '../../src/server/cors.js';

const app = (settings: CorsSettings) => {
  const hono = new Hono<ApiEnv>();
  hono.use('*', createCors(settings));
  hono.get('/v1/runs/:id/events', (c) => c.text('events'));
  hono.get('/v1/threads/:id/events', (c) => c.text('thread events'));
  hono.post('/v1/runs', (c) => c.json({ id: 'run_1' }, 201));
  hono.get('/healthz', (c) => c.json({ ok: true }));
  return hono;
};

const preflight = (hono: Hono<ApiEnv>, path: string, origin: string, method = 'GET', headers = 'last-event-id') =>
  hono.request(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

describe('CORS settings', () => {
  it('reads RUNSTREAM_CORS_ORIGINS and RUNSTREAM_CORS_KEY_ORIGINS as origins; unset means none', () => {
    expect(corsFromEnv({})).toEqual({ viewerOrigins: [], keyOrigins: [] });
    expect(corsFromEnv({ RUNSTREAM_CORS_ORIGINS: 'https://App.example.com/, http://localhost:5173', RUNSTREAM_CORS_KEY_ORIGINS: 'https://admin.example.com' })).toEqual({
      viewerOrigins: ['https://app.example.com', 'http://localhost:5173'],
      keyOrigins: ['https://admin.example.com'],
    });
    expect(corsFromEnv({ RUNSTREAM_CORS_ORIGINS: '*' })).toEqual({ viewerOrigins: '*', keyOrigins: [] });
  });

  it('refuses what is not an origin, and "*" for key-holding routes, naming the variable', () => {
    const error = (env: NodeJS.ProcessEnv) => {
      try {
        corsFromEnv(env);
      } catch (caught) {
        return caught;
      }
      return undefined;
    };
    expect(error({ RUNSTREAM_CORS_KEY_ORIGINS: '*' })).toEqual(new ConfigError('RUNSTREAM_CORS_KEY_ORIGINS: "*" is not allowed here; list the origins that may use an API key'));
    expect(String(error({ RUNSTREAM_CORS_ORIGINS: 'https://app.example.com/page' }))).toMatch(/^ConfigError: RUNSTREAM_CORS_ORIGINS: "https:\/\/app.example.com\/page" is not an origin/);
    expect(String(error({ RUNSTREAM_CORS_ORIGINS: 'app.example.com' }))).toMatch(/RUNSTREAM_CORS_ORIGINS: "app.example.com" is not an origin/);
    expect(String(error({ RUNSTREAM_CORS_ORIGINS: 'ftp://files.example.com' }))).toMatch(/RUNSTREAM_CORS_ORIGINS/);
    expect(String(error({ RUNSTREAM_CORS_ORIGINS: '*,https://app.example.com' }))).toMatch(/stands alone/);
  });
});

describe('CORS answers', () => {
  const listed = 'https://app.example.com';
  const admin = 'https://admin.example.com';
  const hono = app({ viewerOrigins: [listed], keyOrigins: [admin] });

  it('answers a listed origin\'s preflight for the events streams, Last-Event-ID allowed, never credentials', async () => {
    for (const path of ['/v1/runs/run_1/events', '/v1/threads/thr_1/events']) {
      const answer = await preflight(hono, path, listed);
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(listed);
      expect(answer.headers.get('access-control-allow-methods')).toBe('GET');
      expect(answer.headers.get('access-control-allow-headers')).toContain('last-event-id');
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      expect(answer.headers.get('vary')).toContain('Origin');
    }
    const get = await hono.request('/v1/runs/run_1/events', { headers: { origin: listed } });
    expect(get.headers.get('access-control-allow-origin')).toBe(listed);
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('keeps an API key and the key-holding routes to the key origins', async () => {
    const withKey = await preflight(hono, '/v1/runs/run_1/events', listed, 'GET', 'authorization');
    expect(withKey.status).toBe(403);
    expect(withKey.headers.get('access-control-allow-origin')).toBeNull();
    const enqueue = await preflight(hono, '/v1/runs', listed, 'POST', 'authorization, content-type');
    expect(enqueue.status).toBe(403);
    expect(enqueue.headers.get('access-control-allow-origin')).toBeNull();
    const post = await hono.request('/v1/runs', { method: 'POST', headers: { origin: listed } });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();

    const adminEnqueue = await preflight(hono, '/v1/runs', admin, 'POST', 'Authorization, Content-Type');
    expect(adminEnqueue.status).toBe(204);
    expect(adminEnqueue.headers.get('access-control-allow-origin')).toBe(admin);
    expect(adminEnqueue.headers.get('access-control-allow-headers')).toContain('authorization');
    const adminEvents = await preflight(hono, '/v1/runs/run_1/events', admin, 'GET', 'authorization, last-event-id');
    expect(adminEvents.status).toBe(204);
  });

  it('gives an origin not listed no CORS headers, and nothing outside /v1', async () => {
    const other = 'https://evil.example.net';
    expect((await preflight(hono, '/v1/runs/run_1/events', other)).status).toBe(403);
    const get = await hono.request('/v1/runs/run_1/events', { headers: { origin: other } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const health = await hono.request('/healthz', { headers: { origin: listed } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers "*" on the events streams only, when any origin may watch', async () => {
    const open = app({ viewerOrigins: '*', keyOrigins: [] });
    const events = await preflight(open, '/v1/runs/run_1/events', 'https://anyone.example.org');
    expect(events.headers.get('access-control-allow-origin')).toBe('*');
    expect(events.headers.get('access-control-allow-headers')).not.toContain('authorization');
    const get = await open.request('/v1/runs/run_1/events', { headers: { origin: 'https://anyone.example.org' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    const enqueue = await preflight(open, '/v1/runs', 'https://anyone.example.org', 'POST', 'authorization');
    expect(enqueue.status).toBe(403);
    expect(enqueue.headers.get('access-control-allow-origin')).toBeNull();
  });
});
