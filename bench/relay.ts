import { Redis } from 'ioredis';
import { followRun } from '../src/bus/follow-run.js';
import { LiveSubscriptions } from '../src/bus/live-subscriptions.js';
import { RunLog } from '../src/bus/run-log.js';
import { RunPublisher } from '../src/bus/run-publisher.js';
import { benchRedis } from './bench-servers.js';

/**
 * Token relay throughput: a model step's deltas through runstream's log
 * (ordered publisher → Redis Stream + pub/sub → follower) against the same
 * deltas handed over directly in process, in one run.
 */
export default async function relayBench(): Promise<void> {
  const redisServer = await benchRedis();
  const commands = new Redis(redisServer.address);
  const subscriber = new Redis(redisServer.address);
  const log = new RunLog(commands, { keyPrefix: 'bench:' });
  const live = new LiveSubscriptions(subscriber);
  const deltas = 20_000;
  const token = 'tok ';

  const directStart = performance.now();
  let directChars = 0;
  const direct = (async function* () {
    for (let index = 0; index < deltas; index++) yield token;
  })();
  for await (const text of direct) directChars += text.length;
  const directMs = performance.now() - directStart;

  const results: number[] = [];
  for (let round = 0; round < 3; round++) {
    const runId = `run_bench${round}`;
    const publisher = new RunPublisher(log, runId, { producer: 'bench' });
    const start = performance.now();
    const following = (async () => {
      let chars = 0;
      for await (const entry of followRun(log, live, runId)) {
        if (entry.event.type === 'text.delta') chars += entry.event.text.length;
      }
      return chars;
    })();
    for (let index = 0; index < deltas; index++) publisher.publish({ type: 'text.delta', step: 1, offset: index * token.length, text: token });
    publisher.publish({ type: 'run.cancelled', partial: '' });
    await publisher.flush();
    const chars = await following;
    if (chars !== directChars) throw new Error(`relay lost characters: ${chars} != ${directChars}`);
    results.push(performance.now() - start);
  }
  const relayMs = Math.min(...results);
  console.log(`deltas per run            ${deltas}`);
  console.log(`relay (best of 3)         ${relayMs.toFixed(1)} ms  → ${((deltas / relayMs) * 1000).toFixed(0)} deltas/s`);
  console.log(`direct in-process         ${directMs.toFixed(1)} ms`);
  console.log(`relay capacity vs a fast LLM stream (~100 tokens/s): ${((deltas / relayMs) * 1000 / 100).toFixed(0)}×`);
  commands.disconnect();
  subscriber.disconnect();
  await redisServer.stop();
}
