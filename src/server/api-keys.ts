import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * API keys, compared in constant time: both sides are hashed first, so
 * neither the length nor the content of a key leaks through timing.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: string[]) {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** A stable, non-secret id for the key (rate limits, idempotency scope), or undefined when it is not a key. */
  identify(presented: string): string | undefined {
    const candidate = digest(presented);
    let match: Buffer | undefined;
    for (const known of this.digests) if (timingSafeEqual(known, candidate)) match = known;
    return match ? match.subarray(0, 8).toString('hex') : undefined;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
