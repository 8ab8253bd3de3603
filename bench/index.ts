/**
 * `npm run bench -- <name> [--option value…]`: each benchmark reports ratios
 * measured in one run (runstream against a baseline or a peer on the same
 * machine, interleaved), never absolute verdicts. Options are the named
 * benchmark's own (see its file).
 */
import { machineLine } from './support/machine.js';

const benches: Record<string, () => Promise<{ default: () => Promise<void> }>> = {
  relay: () => import('./relay.js'),
  providers: () => import('./providers.js'),
  fanout: () => import('./fanout.js'),
  peers: () => import('./peers.js'),
  capacity: () => import('./capacity.js'),
  long: () => import('./long.js'),
  bundle: () => import('./bundle.js'),
  'worker-start': () => import('./worker-start.js'),
  threads: () => import('./threads.js'),
  checkpoints: () => import('./checkpoints.js'),
};

// Words that are not an option or an option's value name benchmarks.
const args = process.argv.slice(2);
const requested = args.filter((arg, index) => !arg.startsWith('-') && !(index > 0 && /^--[^=]+$/.test(args[index - 1]!)));
const names = requested.length > 0 ? requested : Object.keys(benches);
for (const name of names) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n${machineLine()}`);
  await (await load()).default();
}
process.exit(process.exitCode ?? 0);
