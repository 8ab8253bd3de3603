import { createHmac, timingSafeEqual } from 'node:crypto';
import { threadOfRun } from '../../workflows/thread-ids.js';

/**
 * Read-only viewer tokens: `v1.<runId>.<expiry>.<signature>`, an HMAC-SHA256
 * over run id and expiry. Scoped to one run (or one thread and its turns), expiring, verifiable by any API
 * process that shares the secret; nothing is stored.
 */
export type ViewerTokenCheck =
  | { ok: true; runId: string; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'other_run' };

export class ViewerTokens {
  constructor(
    private readonly secret: string,
    readonly ttlSeconds = 15 * 60,
  ) {}

  private sign(runId: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`v1.${runId}.${expiresAt}`).digest('base64url');
  }

  issue(runId: string, now = Date.now()): { token: string; expiresAt: number } {
    const expiresAt = Math.floor(now / 1000) + this.ttlSeconds;
    return { token: `v1.${runId}.${expiresAt}.${this.sign(runId, expiresAt)}`, expiresAt };
  }

  verify(token: string, runId: string, now = Date.now()): ViewerTokenCheck {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return { ok: false, reason: 'malformed' };
    const [, tokenRunId = '', expiry = '', signature = ''] = parts;
    const expiresAt = Number(expiry);
    if (!Number.isInteger(expiresAt)) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(tokenRunId, expiresAt));
    const presented = Buffer.from(signature);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return { ok: false, reason: 'forged' };
    if (expiresAt * 1000 <= now) return { ok: false, reason: 'expired' };
    // A thread's token also reads its turns' runs, and nothing else.
    if (tokenRunId !== runId && threadOfRun(runId)?.threadId !== tokenRunId) return { ok: false, reason: 'other_run' };
    return { ok: true, runId, expiresAt };
  }
}
