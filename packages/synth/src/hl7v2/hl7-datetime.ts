/**
 * HL7 v2.4 date and time values. Every instant of the generator is UTC, and the feed sends them as UTC without
 * an offset (TS `YYYYMMDDHHMMSS`): a reader must take MSH-7 and every other TS of these feeds as UTC.
 */

/** An instant (epoch milliseconds) as HL7 TS to the second, UTC. */
export function hl7Timestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return (
    iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19)
  );
}

/** A date `YYYY-MM-DD` as HL7 DT `YYYYMMDD`. */
export function hl7Date(isoDate: string): string {
  return isoDate.slice(0, 4) + isoDate.slice(5, 7) + isoDate.slice(8, 10);
}

/** An instant (epoch milliseconds) in the model's form, `YYYY-MM-DDTHH:mm:ssZ`. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}
