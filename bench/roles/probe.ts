import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop lag and memory of the role's own process, over a window the parent opens with `probe.reset`. */
export function probeHandlers() {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    'probe.reset': () => {
      histogram.reset();
      return true;
    },
    'probe.read': () => {
      const memory = process.memoryUsage();
      return {
        lagP50Ms: histogram.percentile(50) / 1e6,
        lagP99Ms: histogram.percentile(99) / 1e6,
        lagMaxMs: histogram.max / 1e6,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
      };
    },
    gc: () => {
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().rss;
    },
  };
}

export interface ProbeReading {
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  rss: number;
  heapUsed: number;
}
