/**
 * `npm run bench -- <name>`: each benchmark reports ratios measured in one run
 * (runstream against a baseline on the same machine), never absolute verdicts.
 */
const benches: Record<string, () => Promise<{ default: () => Promise<void> }>> = {
  relay: () => import('./relay.js'),
  providers: () => import('./providers.js'),
  fanout: () => import('./fanout.js'),
};

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(benches);
for (const name of names) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  await (await load()).default();
}
process.exit(0);
