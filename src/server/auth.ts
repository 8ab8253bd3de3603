import { ApiError } from './api-error.js';
import { bearerToken, type ApiKeys } from './api-keys.js';
import type { ViewerTokens } from './viewer-token.js';

export interface AuthSettings {
  apiKeys: ApiKeys;
  viewerTokens: ViewerTokens;
  /**
   * `runstream api --insecure`: no key needed. The process binds to 127.0.0.1
   * only in that mode (api-process enforces it), so only this machine can call.
   */
  insecure?: boolean | undefined;
}

/** The key id every request gets in insecure mode (its limits and idempotency scope). */
export const insecureKeyId = 'insecure-local';

export type Caller = { kind: 'key'; keyId: string } | { kind: 'viewer'; runId: string };

export function createAuth(settings: AuthSettings) {
  /** An API key holder (full access): 401 without a valid key. */
  const requireKey = (authorization: string | undefined): string => {
    const token = bearerToken(authorization);
    if (!token) {
      if (settings.insecure) return insecureKeyId;
      throw new ApiError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    }
    const keyId = settings.apiKeys.identify(token);
    if (keyId) return keyId;
    if (settings.insecure) return insecureKeyId;
    throw new ApiError('unauthorized', 'invalid API key');
  };

  /**
   * Read access to one run: a key, or that run's viewer token (`?token=`, as
   * EventSource cannot set headers). Another run's token: 403; a malformed,
   * forged or expired one: 401.
   */
  const requireReader = (request: { authorization: string | undefined; token: string | undefined }, runId: string): Caller => {
    if (request.token !== undefined && !request.authorization) {
      const check = settings.viewerTokens.verify(request.token, runId);
      if (check.ok) return { kind: 'viewer', runId };
      if (check.reason === 'other_run') throw new ApiError('forbidden', 'this viewer token is for another run');
      throw new ApiError('unauthorized', `viewer token ${check.reason}: ask a key holder for a new one (POST /v1/runs/:id/viewer-token)`);
    }
    return { kind: 'key', keyId: requireKey(request.authorization) };
  };

  /**
   * A key holder who may change a run (decide its approvals): a viewer token,
   * in `?token=` or as the bearer, is refused with 403, not 401, since it is
   * valid for reading and the answer should say why it is not enough here.
   */
  const requireDecider = (request: { authorization: string | undefined; token: string | undefined }, runId: string): string => {
    const presented = request.authorization ? bearerToken(request.authorization) : request.token;
    if (presented !== undefined && !settings.apiKeys.identify(presented)) {
      const check = settings.viewerTokens.verify(presented, runId);
      if (check.ok || check.reason === 'other_run' || check.reason === 'expired') {
        throw new ApiError('forbidden', 'a viewer token can watch a run but not decide its approvals: use an API key');
      }
    }
    return requireKey(request.authorization);
  };

  return { requireKey, requireReader, requireDecider };
}
