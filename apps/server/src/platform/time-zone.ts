// Time zone arithmetic from the zone rules Intl knows (IANA tz data): the offset at an instant, and the offset of a
// wall-clock time, which may happen twice or not at all around a change of clocks. Used by the HL7 v2 feed (times
// sent without an offset) and the audit's usage report (a month from midnight to midnight, London time).

/**
 * The offset (minutes east of UTC) of a local wall time in a time zone (`wall`: its digits read as if UTC, in ms),
 * read from the zone's rules through Intl.DateTimeFormat. Around a change of offset:
 * - a time that happens twice (Europe/London, last Sunday of October, 01:00-01:59) is read as the first of the
 *   two (BST, +01:00): the order in which things were recorded is kept, and it is what Temporal's 'compatible'
 *   disambiguation gives;
 * - a time that does not exist (last Sunday of March, 01:00-01:59) is read with the offset before the change
 *   (GMT, +00:00): the same instant Temporal's 'compatible' gives (as if the sender's clock had not yet moved),
 *   written with the digits the sender sent.
 */
export function wallTimeOffset(wall: number, timeZone: string): number {
  const day = 86_400_000;
  const before = offsetMinutesAt(wall - day, timeZone);
  const after = offsetMinutesAt(wall + day, timeZone);
  const fits = [before, after].filter(
    (o, i, all) => all.indexOf(o) === i && offsetMinutesAt(wall - o * 60_000, timeZone) === o,
  );
  if (fits.length === 0) return before;
  // Two fit: the larger offset is the earlier instant.
  return Math.max(...fits);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

const QUARTER_HOUR_MS = 15 * 60_000;
const offsetCache = new Map<string, number>();

/**
 * The offset (minutes east of UTC) of `timeZone` at an instant. Every date value of every HL7 message needs one
 * and Intl is slow, so
 * offsets are cached per quarter hour: time zones change offset only on quarter-hour boundaries (IANA tz data).
 * Throws RangeError for a time zone Intl does not know: that is a configuration error, not bad input.
 */
export function offsetMinutesAt(utcMs: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const key = `${timeZone}|${Math.floor(utcMs / QUARTER_HOUR_MS)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = offsetFromIntl(utcMs, timeZone);
    if (offsetCache.size >= 100_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

function offsetFromIntl(utcMs: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const fields: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(utcMs))) fields[part.type] = part.value;
  // Astronomical year numbering: 1 BC is year 0.
  const year = fields.era === 'BC' ? 1 - Number(fields.year) : Number(fields.year);
  const local = new Date(0);
  local.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
  local.setUTCHours(Number(fields.hour), Number(fields.minute), Number(fields.second), 0);
  return Math.round((local.getTime() - Math.floor(utcMs / 1000) * 1000) / 60_000);
}
