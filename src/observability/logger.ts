import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { parseApiKeys } from '../config.js';
import { prettyLine } from './pretty-log.js';

export type { Logger } from 'pino';

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type Level = (typeof levels)[number];

/** RUNSTREAM_LOG_LEVEL, any case (the Temporal runtime's WARN works too); unknown values fall back to info. */
export function logLevelFrom(value: string | undefined): Level {
  const level = value?.toLowerCase();
  return (levels as readonly string[]).includes(level ?? '') ? (level as Level) : 'info';
}

/**
 * The values of this process's secrets: provider keys, API keys, token and
 * webhook secrets. Every log line is scrubbed of them before it is written,
 * whatever carried them there (a provider echoing a key in an error body, an
 * error holding request headers).
 */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const values = [
    env.OPENAI_API_KEY,
    env.ANTHROPIC_API_KEY,
    env.RUNSTREAM_API_KEY,
    env.RUNSTREAM_TOKEN_SECRET,
    env.RUNSTREAM_WEBHOOK_SECRET,
    env.TEMPORAL_API_KEY,
    ...parseApiKeys(env.RUNSTREAM_API_KEYS),
  ];
  // Short values would scrub ordinary words; a real key is longer than this.
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value.length >= 6))];
}

export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

export interface LoggerOptions {
  /** Human-readable lines instead of JSON (`runstream dev`). */
  pretty?: boolean;
  level?: string | undefined;
  /** Where lines go (default stderr, so stdout stays the command's output). */
  destination?: DestinationStream;
  env?: NodeJS.ProcessEnv;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const secrets = secretsOf(env);
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  const stream: DestinationStream = options.pretty
    ? { write: (line: string) => destination.write(prettyLine(line)) }
    : destination;
  return pino(
    {
      level: logLevelFrom(options.level ?? env.RUNSTREAM_LOG_LEVEL),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
      // Field names that hold credentials, wherever they appear; values are scrubbed below too.
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'apiKey', '*.apiKey', 'token', '*.token'],
        censor: '[redacted]',
      },
      hooks: { streamWrite: (line) => scrub(line, secrets) },
    },
    stream,
  );
}

let root: Logger | undefined;

/** The process's logger: JSON on stderr unless `configureLogging` said otherwise first. */
export function logger(): Logger {
  return (root ??= createLogger());
}

/** Sets the process's logger (the CLI does, once, before starting anything). */
export function configureLogging(options: LoggerOptions): Logger {
  root = createLogger(options);
  return root;
}
