import type { AppointmentEvent } from '../model.ts';
import type { FeedContext } from './feed-context.ts';
import { localEventNumber, plan, responsibleClinician } from './feed-context.ts';
import { hl7Timestamp } from './hl7-datetime.ts';
import { codedElement, fields, location, segment } from './segments.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** SCH-6 event reason, local codes; SCH-25 filler status, HL7 table 0278. */
const BOOKED = { trigger: 'S12', reason: 'BOOK^Appointment booked^L', status: 'Booked' } as const;
const CANCELLED = { trigger: 'S15', reason: 'CANC^Appointment cancelled^L', status: 'Cancelled' } as const;
const NO_SHOW = { trigger: 'S26', reason: 'DNA^Did not attend^L', status: 'Noshow' } as const;

type ScheduleEvent = typeof BOOKED | typeof CANCELLED | typeof NO_SHOW;

/**
 * SIU messages for an appointment (HL7 v2.4 chapter 10, domain.md 2.2): S12 when it is booked; S15 when a
 * cancelled one is cancelled, at some time before it was due; S26 hours after a missed one. An attended
 * appointment's attendance is the A04 of its outpatient encounter.
 */
export function planAppointment(ctx: FeedContext, appointment: AppointmentEvent, aboutDuplicate: boolean): void {
  const rng = ctx.rng;
  const bookedMs = Date.parse(appointment.at) + rng.int(2, 90) * SECOND;
  const startMs = Date.parse(appointment.start);
  const endMs = Date.parse(appointment.end);
  const clinician = responsibleClinician(ctx, appointment.performer)?.xcn ?? '';
  planSchedule(ctx, appointment, BOOKED, bookedMs, startMs, endMs, clinician, aboutDuplicate);
  if (appointment.status === 'cancelled') {
    const cancelledMs = cancellationTime(rng.next(), rng.int(8 * 60, 18 * 60), bookedMs, startMs);
    planSchedule(ctx, appointment, CANCELLED, cancelledMs, startMs, endMs, clinician, aboutDuplicate);
  } else if (appointment.status === 'noshow') {
    const reportedMs = Math.max(endMs, bookedMs) + rng.int(1, 6) * HOUR;
    planSchedule(ctx, appointment, NO_SHOW, reportedMs, startMs, endMs, clinician, aboutDuplicate);
  }
}

/** A time between booking and the appointment, in office hours (08:00-18:00 UTC) when that day allows it. */
function cancellationTime(fraction: number, minuteOfDay: number, bookedMs: number, startMs: number): number {
  if (startMs <= bookedMs + MINUTE) return bookedMs + HOUR;
  const anyMs = bookedMs + Math.floor((fraction * (startMs - bookedMs)) / SECOND) * SECOND;
  const officeMs = Math.floor(anyMs / DAY) * DAY + minuteOfDay * MINUTE;
  return officeMs > bookedMs && officeMs < startMs ? officeMs : anyMs;
}

function planSchedule(
  ctx: FeedContext,
  appointment: AppointmentEvent,
  event: ScheduleEvent,
  sentMs: number,
  startMs: number,
  endMs: number,
  clinician: string,
  aboutDuplicate: boolean,
): void {
  const startTs = hl7Timestamp(startMs);
  const minutes = String(Math.round((endMs - startMs) / MINUTE));
  const id = `${localEventNumber(ctx, appointment.id, aboutDuplicate)}^${ctx.org.odsCode}`;
  const action = event === BOOKED ? 'A' : 'U';

  const sch = fields(25);
  sch[1] = id;
  sch[2] = id;
  sch[6] = event.reason;
  sch[7] = codedElement(appointment.specialty);
  sch[9] = minutes;
  sch[10] = 'MIN';
  // TQ: component 4 start, component 5 end.
  sch[11] = `^^^${startTs}^${hl7Timestamp(endMs)}`;
  sch[25] = event.status;

  const ail = fields(12);
  ail[1] = '1';
  ail[2] = action;
  ail[3] = location(`${appointment.specialty.display} clinic`, appointment.siteOdsCode ?? ctx.defaultSite);
  ail[6] = startTs;
  ail[9] = minutes;
  ail[10] = 'MIN';
  ail[12] = event.status;

  let tail = `\rRGS|1|${action}` + segment('AIL', ail);
  if (clinician) {
    const aip = fields(12);
    aip[1] = '1';
    aip[2] = action;
    aip[3] = clinician;
    aip[6] = startTs;
    aip[9] = minutes;
    aip[10] = 'MIN';
    aip[12] = event.status;
    tail += segment('AIP', aip);
  }
  plan(ctx, sentMs, `SIU^${event.trigger}`, 'SIU_S12', segment('SCH', sch), tail, aboutDuplicate);
}
