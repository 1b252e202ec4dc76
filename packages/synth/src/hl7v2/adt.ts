import type { EncounterEvent } from '../model.ts';
import type { FeedContext } from './feed-context.ts';
import { plan } from './feed-context.ts';
import { hl7Timestamp } from './hl7-datetime.ts';
import { DISCHARGE_DESTINATION, evnSegment, pv1Segment } from './segments.ts';
import { patientClass, startLocation, visitFor } from './visit.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Shares of visits with the PAS corrections that domain.md 2.2 says a receiver must handle (A11, A13). No
// public figure exists for how often they happen; these are small guesses, enough for every feed to carry some.
const CANCELLED_ADMISSION_SHARE = 0.02;
const CANCELLED_DISCHARGE_SHARE = 0.02;
/** Share of elective admissions the PAS announces ahead with a pre-admission (A05): an assumption. */
const PRE_ADMISSION_SHARE = 0.5;

/** When a PAS sends a message about something that happened at `eventMs`: seconds later, never before the last. */
export function adtSendTime(ctx: FeedContext, eventMs: number, lastMs: number): number {
  return Math.max(eventMs + ctx.rng.int(2, 90) * SECOND, lastMs + SECOND);
}

export function planAdt(
  ctx: FeedContext,
  sentMs: number,
  trigger: string,
  structure: string,
  occurredMs: number,
  tail: string,
  aboutDuplicate: boolean,
): void {
  plan(
    ctx,
    sentMs,
    `ADT^${trigger}`,
    structure,
    evnSegment(trigger, hl7Timestamp(sentMs), hl7Timestamp(occurredMs)),
    tail,
    aboutDuplicate,
  );
}

/**
 * The ADT messages of one encounter, at the times a PAS sends them (domain.md 2.2): an admission's A01, an A02
 * per ward transfer and the A03 at discharge; an ED attendance's A04 at arrival and A03 at departure; a clinic
 * or community contact's A04. Message structures are those of HL7 v2.4 table 0354.
 */
export function planEncounter(ctx: FeedContext, encounter: EncounterEvent, aboutDuplicate: boolean): void {
  const cls = patientClass(encounter);
  if (!cls) return;
  const rng = ctx.rng;
  const visit = visitFor(ctx, encounter, cls, aboutDuplicate);
  const startMs = Date.parse(encounter.at);
  const endMs = encounter.end === undefined ? undefined : Date.parse(encounter.end);
  let ward = startLocation(encounter, cls);
  let last = -Infinity;

  if (cls === 'I' && visit.admissionType === 'C' && !aboutDuplicate && rng.chance(PRE_ADMISSION_SHARE)) {
    const bookedMs = startMs - rng.int(2, 42) * DAY - rng.int(0, 8 * 60) * MINUTE;
    const pv1 = pv1Segment({ ...visit, patientClass: 'P' }, ward, undefined, undefined, undefined);
    planAdt(ctx, bookedMs, 'A05', 'ADT_A05', bookedMs, pv1, false);
  }

  const admitted = pv1Segment(visit, ward, undefined, undefined, undefined);
  last = adtSendTime(ctx, startMs, last);
  planAdt(ctx, last, cls === 'I' ? 'A01' : 'A04', 'ADT_A01', startMs, admitted, aboutDuplicate);
  if (cls === 'I' && rng.chance(CANCELLED_ADMISSION_SHARE)) {
    // Admitted in error (A11, structure ADT_A09 in v2.4), then admitted again correctly.
    last += rng.int(5, 60) * MINUTE;
    planAdt(ctx, last, 'A11', 'ADT_A09', last, admitted, aboutDuplicate);
    last += rng.int(1, 10) * MINUTE;
    planAdt(ctx, last, 'A01', 'ADT_A01', startMs, admitted, aboutDuplicate);
  }
  if (cls === 'I') ctx.stays.push({ encounter, visit, admitMs: startMs, endMs: endMs ?? Infinity, aboutDuplicate });

  for (const transfer of encounter.wardTransfers ?? []) {
    const atMs = Date.parse(transfer.at);
    last = adtSendTime(ctx, atMs, last);
    planAdt(
      ctx,
      last,
      'A02',
      'ADT_A02',
      atMs,
      pv1Segment(visit, transfer.ward, ward, undefined, undefined),
      aboutDuplicate,
    );
    ward = transfer.ward;
  }

  if (endMs === undefined || cls === 'O') return;
  const destination = encounter.dischargeDestination;
  const disposition = destination ? DISCHARGE_DESTINATION[destination] : undefined;
  if (cls === 'I' && destination !== 'died' && endMs - last >= 4 * HOUR && rng.chance(CANCELLED_DISCHARGE_SHARE)) {
    // Discharged in error hours early (A03), the discharge cancelled (A13), then the real discharge.
    const wrongMs = last + HOUR + Math.floor((rng.next() * (endMs - last - 3 * HOUR)) / SECOND) * SECOND;
    last = adtSendTime(ctx, wrongMs, last);
    const wrong = pv1Segment(visit, ward, undefined, hl7Timestamp(wrongMs), disposition);
    planAdt(ctx, last, 'A03', 'ADT_A03', wrongMs, wrong, aboutDuplicate);
    last += rng.int(10, 50) * MINUTE;
    planAdt(
      ctx,
      last,
      'A13',
      'ADT_A01',
      last,
      pv1Segment(visit, ward, undefined, undefined, undefined),
      aboutDuplicate,
    );
  }
  const dischargeTs = hl7Timestamp(endMs);
  last = adtSendTime(ctx, endMs, last);
  planAdt(
    ctx,
    last,
    'A03',
    'ADT_A03',
    endMs,
    pv1Segment(visit, ward, undefined, dischargeTs, disposition),
    aboutDuplicate,
  );
  if (destination === 'died' && !ctx.death) ctx.death = { hl7DateTime: dischargeTs, knownFromMs: last };
}
