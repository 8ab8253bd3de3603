import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time and memory of any process on this machine, read from /proc, so a
 * benchmark charges each server (worker, API, Temporal, Redis) with what it
 * burned during a window, whatever language it is written in.
 */

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Resident memory in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** CPU seconds used by each named process between `start()` and `stop()`. */
export class CpuWindow {
  private readonly started = new Map<string, number>();
  constructor(private readonly pids: Record<string, number | undefined>) {
    for (const [name, pid] of Object.entries(pids)) if (pid !== undefined) this.started.set(name, cpuSeconds(pid));
  }

  stop(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const start = this.started.get(name);
      if (pid !== undefined && start !== undefined) used[name] = cpuSeconds(pid) - start;
    }
    return used;
  }
}
