/**
 * The child side of `support/role-process.ts`: `node bin/run-ts.js
 * bench/roles/main.ts <role>` starts one benchmark participant, reports
 * `{ ready }` over IPC, then answers method calls until it is told to stop.
 */

export type Handlers = Record<string, (params: never) => unknown>;
export interface Role {
  ready: Record<string, unknown>;
  handlers: Handlers;
}

const roles: Record<string, () => Promise<{ start: (args: string[]) => Promise<Role> }>> = {
  model: () => import('./model-role.js'),
  worker: () => import('./worker-role.js'),
  api: () => import('./api-role.js'),
  'fanout-api': () => import('./fanout-api-role.js'),
  viewers: () => import('./viewers-role.js'),
  'peer-worker': () => import('../peers/peer-worker.js'),
};

const [name = '', ...args] = process.argv.slice(2);
const load = roles[name];
if (!load || !process.send) {
  console.error(`bench role "${name}" is not one of ${Object.keys(roles).join(', ')} (or was not started with an IPC channel)`);
  process.exit(2);
}
const send = (message: unknown) => process.send!(message);
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));

const { ready, handlers } = await (await load()).start(args);
process.on('message', (message: { id: number; method: string; params: unknown }) => {
  const handler = handlers[message.method];
  void (async () => {
    try {
      if (!handler) throw new Error(`no method ${message.method}`);
      send({ id: message.id, result: await handler(message.params as never) });
    } catch (error) {
      send({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
send({ ready });
