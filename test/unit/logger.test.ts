import { describe, expect, it } from 'vitest';
import { createLogger, logLevelFrom, secretsOf } from '../../src/observability/logger.js';
import { prettyLine } from '../../src/observability/pretty-log.js';

const capture = () => {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
};

describe('logger', () => {
  const env = { OPENAI_API_KEY: 'sk-openai-secret-123', RUNSTREAM_API_KEYS: 'key-one-secret, key-two-secret', ANTHROPIC_API_KEY: 'short' };

  it('scrubs every secret of the environment from every line, wherever it is', () => {
    const { lines, destination } = capture();
    const log = createLogger({ env, destination });
    log.info({ body: 'Incorrect API key provided: sk-openai-secret-123' }, 'provider said key-two-secret');
    log.error({ err: new Error('bad header Bearer key-one-secret') }, 'failed');
    const written = lines.join('');
    expect(written).not.toMatch(/sk-openai-secret-123|key-one-secret|key-two-secret/);
    expect(written.match(/\[redacted\]/g)).toHaveLength(4); // the error's message and its stack
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'provider said [redacted]', body: 'Incorrect API key provided: [redacted]' });
  });

  it('censors credential fields by name, and ignores values too short to be keys', () => {
    const { lines, destination } = capture();
    createLogger({ env, destination }).info({ headers: { authorization: 'Bearer anything' }, token: 'v1.abc', note: 'short' }, 'x');
    expect(JSON.parse(lines[0]!)).toMatchObject({ headers: { authorization: '[redacted]' }, token: '[redacted]', note: 'short' });
    expect(secretsOf(env)).toEqual(['sk-openai-secret-123', 'key-one-secret', 'key-two-secret']);
  });

  it('levels from RUNSTREAM_LOG_LEVEL in any case; pretty lines for dev', () => {
    expect(logLevelFrom('WARN')).toBe('warn');
    expect(logLevelFrom('nonsense')).toBe('info');
    const { lines, destination } = capture();
    createLogger({ env, destination, pretty: true, level: 'debug' }).debug({ runId: 'run_1', step: 2 }, 'model step');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG model step runId=run_1 step=2\n$/);
    expect(prettyLine('not json\n')).toBe('not json\n');
  });
});
