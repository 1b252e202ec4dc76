import { immunisationStatusReasons, vaccines } from '../codes/index.ts';
import type { Coding, ImmunisationEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase, timeOn } from './context.ts';
import { addMonths, formatDay, parseDay } from './dates.ts';

/** One dose of the routine childhood schedule. */
export interface ScheduledDose {
  vaccine: Coding;
  /** Which dose of this vaccine product it is. */
  doseNumber: number;
  /** Due at this many weeks of age, or at this many months (calendar months) of age. */
  weeks?: number;
  months?: number;
  /** Green Book ch.27b: rotavirus must not be started after 15 weeks nor finished after 24 weeks. */
  latestWeeks?: number;
}

const OLD_SCHEDULE_END = parseDay('2024-07-01');
const MIDDLE_SCHEDULE_END = parseDay('2025-01-01');
const MMRV_PRESCHOOL_FROM = parseDay('2022-09-01');

const v = vaccines;

/** The schedule for a child born on `birthDay`: domain.md 6.6.1, one of its three birth cohorts. */
export function scheduleFor(birthDay: number): ScheduledDose[] {
  const primary: ScheduledDose[] = [
    { vaccine: v.sixInOne, doseNumber: 1, weeks: 8 },
    { vaccine: v.menB, doseNumber: 1, weeks: 8 },
    { vaccine: v.rotavirus, doseNumber: 1, weeks: 8, latestWeeks: 15 },
    { vaccine: v.sixInOne, doseNumber: 2, weeks: 12 },
    { vaccine: v.rotavirus, doseNumber: 2, weeks: 12, latestWeeks: 24 },
    { vaccine: v.sixInOne, doseNumber: 3, weeks: 16 },
  ];
  if (birthDay < OLD_SCHEDULE_END) {
    return [
      ...primary,
      { vaccine: v.pcv13, doseNumber: 1, weeks: 12 },
      { vaccine: v.menB, doseNumber: 2, weeks: 16 },
      { vaccine: v.hibMenC, doseNumber: 1, months: 12 },
      { vaccine: v.pcv13, doseNumber: 2, months: 12 },
      { vaccine: v.mmr, doseNumber: 1, months: 12 },
      { vaccine: v.menB, doseNumber: 3, months: 12 },
      { vaccine: v.fourInOne, doseNumber: 1, months: 40 },
      birthDay >= MMRV_PRESCHOOL_FROM
        ? { vaccine: v.mmrv, doseNumber: 1, months: 40 }
        : { vaccine: v.mmr, doseNumber: 2, months: 40 },
    ];
  }
  const common: ScheduledDose[] = [
    ...primary,
    { vaccine: v.menB, doseNumber: 2, weeks: 12 },
    { vaccine: v.pcv13, doseNumber: 1, weeks: 16 },
    { vaccine: v.pcv13, doseNumber: 2, months: 12 },
    { vaccine: v.menB, doseNumber: 3, months: 12 },
    { vaccine: v.sixInOne, doseNumber: 4, months: 18 },
    { vaccine: v.fourInOne, doseNumber: 1, months: 40 },
  ];
  if (birthDay < MIDDLE_SCHEDULE_END) {
    return [
      ...common,
      { vaccine: v.mmr, doseNumber: 1, months: 12 },
      { vaccine: v.mmrv, doseNumber: 1, months: 18 },
      { vaccine: v.mmrv, doseNumber: 2, months: 40 },
    ];
  }
  return [...common, { vaccine: v.mmrv, doseNumber: 1, months: 12 }, { vaccine: v.mmrv, doseNumber: 2, months: 18 }];
}

export function dueDay(birthDay: number, dose: ScheduledDose): number {
  return dose.months !== undefined ? addMonths(birthDay, dose.months) : birthDay + (dose.weeks ?? 0) * 7;
}

// Only young children get their routine immunisations generated: older people's childhood is out of the window.
const MAX_AGE_DAYS = 6 * 365;

/**
 * Routine childhood immunisations given at the GP practice. UKHSA COVER (London, 2023-24): about 85-90% have each
 * dose by the target age, so some doses come late, some never, and a few are declined.
 */
export function addImmunisations(ctx: HistoryContext, rng: Rng): void {
  if (ctx.endDay - ctx.birthDay > MAX_AGE_DAYS) return;
  const punctual = ctx.options.punctualImmunisations === true;
  const schedule = scheduleFor(ctx.birthDay);
  const missesSome = !punctual && rng.chance(0.09);
  const declinesMmr = !punctual && rng.chance(0.02);
  // Minimum interval between doses of one vaccine: Green Book ch.11, four weeks.
  const lastGiven = new Map<Coding, number>();
  // Doses due at one visit are given together: one delay per visit.
  const visitDelay = new Map<number, number>();
  for (const dose of schedule) {
    const due = dueDay(ctx.birthDay, dose);
    if (due > ctx.endDay) continue;
    const isMeasles = dose.vaccine === v.mmr || dose.vaccine === v.mmrv;
    if (declinesMmr && isMeasles) {
      const declined: ImmunisationEvent = {
        ...eventBase(ctx, rng, ctx.orgs.gp, ['nurse', 'gp'], timeOn(rng, due, 9, 17)),
        kind: 'immunisation',
        vaccineCode: dose.vaccine,
        status: 'not-done',
        doseNumber: dose.doseNumber,
        statusReason: immunisationStatusReasons.consentNotGiven,
        dueDate: formatDay(due),
      };
      ctx.events.push(declined);
      continue;
    }
    if (missesSome && rng.chance(0.25)) continue;
    let delay = visitDelay.get(due);
    if (delay === undefined) {
      delay = punctual ? 0 : rng.chance(0.12) ? rng.int(15, 90) : rng.int(0, 10);
      visitDelay.set(due, delay);
    }
    let day = due + delay;
    const previous = lastGiven.get(dose.vaccine);
    if (previous !== undefined && day < previous + 28) day = previous + 28;
    if (dose.latestWeeks !== undefined && day >= ctx.birthDay + dose.latestWeeks * 7) continue;
    if (dose.vaccine === v.rotavirus && dose.doseNumber === 2 && previous === undefined) continue;
    if (day > ctx.endDay) continue;
    lastGiven.set(dose.vaccine, day);
    const given: ImmunisationEvent = {
      ...eventBase(ctx, rng, ctx.orgs.gp, ['nurse', 'gp'], timeOn(rng, day, 9, 17)),
      kind: 'immunisation',
      vaccineCode: dose.vaccine,
      status: 'completed',
      doseNumber: dose.doseNumber,
      dueDate: formatDay(due),
    };
    ctx.events.push(given);
  }
}
