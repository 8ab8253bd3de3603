import { describe, expect, it } from 'vitest';
import { ConfigError, readEnv } from '../../src/config.js';

describe('environment configuration', () => {
  it('applies defaults', () => {
    const env = readEnv({});
    expect(env).toMatchObject({ TEMPORAL_NAMESPACE: 'default', RUNSTREAM_TASK_QUEUE: 'runstream', RUNSTREAM_PORT: 8787 });
    expect(env.OPENAI_CONTINUE_FINAL_MESSAGE).toBe(false);
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port, e.g. 127.0.0.1:7233'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis://, rediss:// or redis+cluster://'],
    [{ RUNSTREAM_PORT: 'eighty' }, 'RUNSTREAM_PORT must be a port number'],
    [{ OPENAI_BASE_URL: 'api.openai.com' }, 'OPENAI_BASE_URL must be a URL, e.g. http://127.0.0.1:8787'],
    [{ ANTHROPIC_THINKING_BUDGET: '10' }, 'ANTHROPIC_THINKING_BUDGET must be at least 1024 tokens'],
    [{ OPENAI_REASONING_SUMMARY: 'verbose' }, 'OPENAI_REASONING_SUMMARY must be auto, concise or detailed'],
    [{ RUNSTREAM_BLOB_URL: 'mysql://db/blobs' }, 'RUNSTREAM_BLOB_URL must be a PostgreSQL URL, e.g. postgres://runstream@127.0.0.1:5432/runstream'],
  ])('rejects %j with one line naming the variable', (source, message) => {
    expect(() => readEnv(source)).toThrow(new ConfigError(message));
  });

  it('treats an empty variable as unset', () => {
    expect(readEnv({ REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });
});
