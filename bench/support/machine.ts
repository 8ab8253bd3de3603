import { cpus, loadavg, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on, and how busy it was when it started. */
export function machineLine(): string {
  const cores = cpus();
  return `machine: ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; load average at start ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')}`;
}
