/**
 * Dates as whole UTC day numbers (days since 1970-01-01) and instants as milliseconds, formatted once each:
 * a history formats thousands of dates, and `toISOString` per date would dominate the generator's time.
 */

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const YEAR_DAYS = 365.25;

const dayStrings = new Map<number, string>();
const minuteStrings: string[] = [];
for (let m = 0; m < 1440; m++) {
  minuteStrings.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z`);
}

/** `YYYY-MM-DD` (or the date part of an instant) to a day number. */
export function parseDay(iso: string): number {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) throw new Error(`not a date: ${iso}`);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** A day number as `YYYY-MM-DD`. */
export function formatDay(day: number): string {
  let s = dayStrings.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayStrings.set(day, s);
  }
  return s;
}

/** A day and a minute of that day as `YYYY-MM-DDTHH:mm:ssZ` (model.ts: instants are UTC, to the second). */
export function formatInstant(day: number, minute: number): string {
  const m = minute < 0 ? 0 : minute > 1439 ? 1439 : Math.floor(minute);
  return `${formatDay(day)}T${minuteStrings[m]!}`;
}

/** An instant in milliseconds as `YYYY-MM-DDTHH:mm:ssZ`, to the minute. */
export function formatMs(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  return formatInstant(day, Math.floor((ms - day * DAY_MS) / MINUTE_MS));
}

/** The day `months` calendar months after `day` (UTC calendar arithmetic, as ages in the schedule are). */
export function addMonths(day: number, months: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()) / DAY_MS;
}

/** Age in completed years on `day` for someone born on `birthDay`. */
export function ageOn(birthDay: number, day: number): number {
  const b = new Date(birthDay * DAY_MS);
  const d = new Date(day * DAY_MS);
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  const m = d.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && d.getUTCDate() < b.getUTCDate())) age--;
  return age;
}
