import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Benchmark participants run as child processes (so each one's CPU, memory and
 * event loop are its own) and are driven over the IPC channel: the parent
 * calls a named method, the child answers. `bench/roles/main.ts` is the child side.
 */

export interface RoleProcess {
  readonly name: string;
  readonly pid: number;
  /** What the role reported when it became ready (a URL, a port…). */
  readonly ready: Record<string, unknown>;
  call<T = unknown>(method: string, params?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export async function startRole(
  role: string,
  options: { env?: Record<string, string>; name?: string; args?: string[]; nodeOptions?: string[] } = {},
): Promise<RoleProcess> {
  // BENCH_PROFILE=worker,api: those roles write a V8 CPU profile (.cpuprofile) to bench-profiles/ when they stop.
  const profiled = (process.env.BENCH_PROFILE ?? '').split(',').includes(role);
  const nodeOptions = [...(options.nodeOptions ?? []), ...(profiled ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [])];
  const child: ChildProcess = spawn(process.execPath, [...nodeOptions, 'bin/run-ts.js', 'bench/roles/main.ts', role, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench role ${role} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message: { ready?: Record<string, unknown> }) => {
      child.off('exit', onExit);
      resolve(message.ready ?? {});
    });
  });
  child.on('message', (message: Reply) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiting.reject(new Error(`${role}: ${message.error}`));
    else waiting.resolve(message.result);
  });
  child.once('exit', (code) => {
    exited = true;
    for (const waiting of pending.values()) waiting.reject(new Error(`bench role ${role} exited (${code})`));
    pending.clear();
  });
  // A role must not outlive the benchmark, however it ends.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    name: options.name ?? role,
    pid: child.pid!,
    ready,
    call: <T>(method: string, params?: unknown) =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(new Error(`bench role ${role} has exited`));
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, method, params });
      }),
    stop: async () => {
      process.off('exit', kill);
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
