/**
 * HL7 v2.4 date and time values. Every instant of the generator is UTC, and the feed sends them as UTC without
 * an offset (TS `YYYYMMDDHHMMSS`): a reader must take MSH-7 and every other TS of these feeds as UTC.
 */

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * An instant (epoch milliseconds) as HL7 TS to the second, UTC. Worked out arithmetically (days to civil date
 * as in Howard Hinnant's `civil_from_days`): it runs for every timestamp of every message, and formatting
 * through `Date.toISOString` and slicing cost several times as much.
 */
export function hl7Timestamp(ms: number): string {
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  const secs = s - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  return `${y}${TWO_DIGITS[m]!}${TWO_DIGITS[d]!}${TWO_DIGITS[hh]!}${TWO_DIGITS[mm]!}${TWO_DIGITS[secs % 60]!}`;
}

/** A date `YYYY-MM-DD` as HL7 DT `YYYYMMDD`. */
export function hl7Date(isoDate: string): string {
  return isoDate.slice(0, 4) + isoDate.slice(5, 7) + isoDate.slice(8, 10);
}

/** An instant (epoch milliseconds) in the model's form, `YYYY-MM-DDTHH:mm:ssZ`. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}
