import type { ClinicalEvent, EncounterEvent, Person, StaffProfession } from '../model.ts';
import type { Rng } from '../random.ts';
import type { ConditionProfile } from './conditions.ts';
import { DAY_MS, MINUTE_MS, formatMs } from './dates.ts';
import { type PersonOrganisations, type Place, type RegionIndex, pickStaff } from './organisations.ts';

export interface HistoryOptions {
  /** Every childhood immunisation on its due date: none late, missed or declined (for schedule tests). */
  punctualImmunisations?: boolean;
}

/** The traits that keep a person's readings consistent from one measurement to the next. */
export interface PhysicalTraits {
  /** Usual clinic blood pressure (adults), before measurement noise. */
  systolic: number;
  diastolic: number;
  /** Raised blood pressure that no one has diagnosed (domain.md 6.6.2 case finding). */
  undiagnosedHighBp: boolean;
  heartRate: number;
  heightM: number;
  bmi: number;
  penicillinAllergy: boolean;
  nsaidAllergy: boolean;
}

/** The end of life, when it is near (domain.md 3.1). */
export interface EndOfLife {
  /** Day the person joined the palliative care register. */
  registerDay: number;
  /** For the dead: the day the final phase (admission, hospice stay, last visits) began. */
  finalPhaseDay?: number;
}

export interface HistoryContext {
  person: Person;
  index: RegionIndex;
  orgs: PersonOrganisations;
  options: HistoryOptions;
  birthDay: number;
  asOfDay: number;
  deathDay?: number;
  /** The last day of life recorded: asOf, or the death date. */
  endDay: number;
  /** The last day ordinary care happens: endDay, or the day before a final phase before death. */
  lastDay: number;
  /** Histories cover about the last ten years (conditions' onsets and childhood immunisations excepted). */
  windowStart: number;
  /** Age in years on endDay. */
  age: number;
  conditions: ConditionProfile;
  traits: PhysicalTraits;
  endOfLife?: EndOfLife;
  events: ClinicalEvent[];
  seq: number;
  /** Lab order numbers issued so far for this person. */
  orders: number;
}

export function nextId(ctx: HistoryContext): string {
  ctx.seq++;
  return `${ctx.person.personId}-${ctx.seq}`;
}

export interface EventBase {
  id: string;
  odsCode: string;
  siteOdsCode?: string;
  performer?: string;
  at: string;
  encounterId?: string;
}

/** The fields every event has: a fresh id, where, who (a staff member of a fitting profession) and when. */
export function eventBase(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  atMs: number,
  encounterId?: string,
): EventBase {
  const base: EventBase = { id: nextId(ctx), odsCode: place.org.odsCode, at: formatMs(atMs) };
  if (place.site) base.siteOdsCode = place.site.odsCode;
  const performer = professions.length > 0 ? pickStaff(ctx.index, rng, place.org.odsCode, professions) : undefined;
  if (performer !== undefined) base.performer = performer;
  if (encounterId !== undefined) base.encounterId = encounterId;
  return base;
}

/** Adds an encounter and returns it, so that other events can point at it. */
export function addEncounter(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  startMs: number,
  endMs: number | undefined,
  fields: Omit<EncounterEvent, keyof EventBase | 'kind' | 'end'>,
): EncounterEvent {
  const encounter: EncounterEvent = {
    ...eventBase(ctx, rng, place, professions, startMs),
    kind: 'encounter',
    ...fields,
  };
  // An encounter still going on at asOf has no end yet (model.ts).
  if (endMs !== undefined && endMs <= (ctx.asOfDay + 1) * DAY_MS - MINUTE_MS) encounter.end = formatMs(endMs);
  ctx.events.push(encounter);
  return encounter;
}

/** A time on `day` between `fromHour` and `toHour` (UTC), to the minute. */
export function timeOn(rng: Rng, day: number, fromHour: number, toHour: number): number {
  return day * DAY_MS + Math.floor((fromHour * 60 + rng.next() * (toHour - fromHour) * 60) | 0) * MINUTE_MS;
}

/** Days between events of a Poisson process with `perYear` events a year. */
export function daysToNext(rng: Rng, perYear: number): number {
  return Math.max(1, Math.floor((-Math.log(1 - rng.next()) * 365.25) / perYear));
}

/** The last instant ordinary care may be recorded at. */
export function lastMs(ctx: HistoryContext): number {
  return (ctx.lastDay + 1) * DAY_MS - MINUTE_MS;
}
