/** A viewer token and when it expires, as the app's backend hands it out. */
export interface ViewerTokenGrant {
  token: string;
  /** ISO time, epoch milliseconds or a Date; read from the token itself when left out. */
  expiresAt?: string | number | Date | undefined;
}

/** When a viewer token (`v1.<runId>.<expiry seconds>.<signature>`) expires, in epoch ms; undefined if it does not say. */
export function tokenExpiry(grant: ViewerTokenGrant): number | undefined {
  if (grant.expiresAt !== undefined) {
    const ms = grant.expiresAt instanceof Date ? grant.expiresAt.getTime() : typeof grant.expiresAt === 'number' ? grant.expiresAt : Date.parse(grant.expiresAt);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const seconds = Number(grant.token.split('.')[2]);
  return Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * How long to wait before renewing: most of the remaining lifetime (4/5), so
 * a slow backend still answers before the token lapses; at least a second.
 */
export const renewalDelayMs = (expiresAtMs: number, now = Date.now()): number => Math.max(1000, Math.floor((expiresAtMs - now) * 0.8));
