/**
 * Calendar dates as whole days since 1970-01-01 (UTC), so that ages and date windows are integer arithmetic.
 * Conversion back to `YYYY-MM-DD` uses Howard Hinnant's civil-from-days algorithm (public domain,
 * http://howardhinnant.github.io/date_algorithms.html): it is exact for the proleptic Gregorian calendar and
 * much cheaper than building a Date for every person.
 */

export const DAYS_PER_YEAR = 365.2425;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date; throws on anything else. */
export function isoToDay(iso: string): number {
  if (iso.length !== 10 || iso[4] !== '-' || iso[7] !== '-') throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || m < 1 || m > 12 || d < 1 || d > 31) {
    throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  }
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** The year of a day number. */
export function yearOfDay(day: number): number {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

/** `YYYY-MM-DD` of a day number. */
export function dayToIso(day: number): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Whole years between a birth day and another day (the age on that day). */
export function ageOnDay(birthDay: number, day: number): number {
  const birth = dayToIso(birthDay);
  const on = dayToIso(day);
  let age = Number(on.slice(0, 4)) - Number(birth.slice(0, 4));
  if (on.slice(5) < birth.slice(5)) age--;
  return age;
}
