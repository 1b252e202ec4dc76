/** A structured logger writing one JSON line per event; fields must never hold patient data. */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number] | 'silent';

export function createLogger(level: Level, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const max = level === 'silent' ? -1 : LEVELS.indexOf(level);
  const at =
    (l: (typeof LEVELS)[number]) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (LEVELS.indexOf(l) <= max)
        write(`${JSON.stringify({ time: new Date().toISOString(), level: l, message, ...fields })}\n`);
    };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
