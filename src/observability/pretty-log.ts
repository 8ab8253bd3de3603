/**
 * One pino JSON line as a short human line, for `runstream dev`:
 * `12:00:01.234 WARN  message runId=run_… step=2`. A line that is not JSON
 * passes through unchanged.
 */
const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const omitted = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function value(field: unknown): string {
  if (typeof field === 'string') return /\s/.test(field) ? JSON.stringify(field) : field;
  return JSON.stringify(field);
}

export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = levelNames[Number(record.level)] ?? String(record.level);
  const error = record.err as { type?: string; message?: string; stack?: string } | undefined;
  const fields = Object.entries(record)
    .filter(([name]) => !omitted.has(name) && name !== 'err')
    .map(([name, field]) => `${name}=${value(field)}`);
  const stack = error?.stack ? `\n    ${error.stack.split('\n').join('\n    ')}` : '';
  return `${time} ${level} ${String(record.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}
