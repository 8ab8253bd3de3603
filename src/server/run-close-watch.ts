import { isFinalStatus } from '../protocol/index.js';
import { statusOf, type RunService } from '../runs/run-service.js';

/**
 * Whether a run's workflow has closed, asked of Temporal at most once per
 * `maxAgeMs` per run in this process however many viewers ask. Live viewers
 * use it to notice a run that ended without logging a final event (terminated
 * from outside), which would otherwise keep them waiting for ever.
 */
export class RunCloseWatch {
  private readonly checks = new Map<string, { at: number; closed: Promise<boolean> }>();

  constructor(
    private readonly runs: Pick<RunService, 'describe'>,
    private readonly maxAgeMs = 5_000,
  ) {}

  isClosed(runId: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.checks.get(runId);
    if (cached && now - cached.at < this.maxAgeMs) return cached.closed;
    const closed = this.runs.describe(runId).then(
      (description) => isFinalStatus(statusOf(description)),
      () => false,
    );
    this.checks.set(runId, { at: now, closed });
    // Forget old answers so the map stays as small as the set of runs being watched.
    for (const [id, check] of this.checks) if (now - check.at >= this.maxAgeMs) this.checks.delete(id);
    return closed;
  }
}
