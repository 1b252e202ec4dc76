import { conditions as conditionCodes } from '../codes/index.ts';
import type { ClinicalEvent, ConditionEvent, Person, Region } from '../model.ts';
import { createRng } from '../random.ts';
import { addCancerPathways } from './cancer.ts';
import { drawConditions } from './conditions.ts';
import { type HistoryContext, type HistoryOptions, eventBase, timeOn } from './context.ts';
import { ageOn, formatDay, parseDay } from './dates.ts';
import {
  addCommunityAndSocialCare,
  addElectiveAdmissions,
  addGpConsultations,
  addMentalHealthCare,
  addOutpatients,
  addReviews,
  addUrgentCare,
} from './encounters.ts';
import { addEndOfLife, addFutureAppointments, planEndOfLife } from './end-of-life.ts';
import { addImmunisations } from './immunisations.ts';
import { drawLabBaseline } from './labs.ts';
import { addRepeatMedications } from './medications.ts';
import { choosePersonOrganisations, indexRegion } from './organisations.ts';
import { addAllergies, drawTraits } from './traits.ts';

export type { HistoryOptions } from './context.ts';
export { conditionProbability, type ConditionKey } from './conditions.ts';
export { scheduleFor, dueDay, type ScheduledDose } from './immunisations.ts';
export { news2Score } from './vitals.ts';

// Histories cover about the last ten years; conditions keep their true onset and young children their
// immunisations.
const WINDOW_DAYS = 3653;

function byTime(a: ClinicalEvent, b: ClinicalEvent): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

/** Every clinical event of the person's life up to `asOf` (and appointments booked after it), sorted by `at`. */
export function generateHistory(
  person: Person,
  region: Region,
  seed: string,
  asOf: string,
  options: HistoryOptions = {},
): ClinicalEvent[] {
  const rng = createRng(`${seed}/history/${person.index}`);
  const index = indexRegion(region);
  const birthDay = parseDay(person.birthDate);
  const asOfDay = parseDay(asOf);
  const deathDay = person.deathDate !== undefined ? Math.min(parseDay(person.deathDate), asOfDay) : undefined;
  const endDay = Math.max(birthDay, deathDay ?? asOfDay);
  const age = ageOn(birthDay, endDay);
  const conditions = drawConditions(rng.fork('conditions'), {
    birthDay,
    lastDay: endDay,
    age,
    sex: person.sex,
    ethnicCategory: person.ethnicCategory,
    isDead: deathDay !== undefined,
  });
  const ctx: HistoryContext = {
    person,
    index,
    orgs: choosePersonOrganisations(index, region, person, rng.fork('organisations')),
    options,
    birthDay,
    asOfDay,
    endDay,
    lastDay: endDay,
    windowStart: Math.max(birthDay, endDay - WINDOW_DAYS),
    age,
    conditions,
    traits: {
      systolic: 0,
      diastolic: 0,
      undiagnosedHighBp: false,
      heartRate: 0,
      heightM: 0,
      bmi: 0,
      penicillinAllergy: false,
      nsaidAllergy: false,
    },
    events: [],
    seq: 0,
    orders: 0,
  };
  if (deathDay !== undefined) ctx.deathDay = deathDay;
  planEndOfLife(ctx, rng.fork('end-of-life-plan'));
  ctx.traits = drawTraits(ctx, rng.fork('traits'));
  const labs = drawLabBaseline(ctx, rng.fork('labs'));

  const problems = rng.fork('problems');
  for (const c of conditions.list) {
    const onset = Math.min(c.onsetDay, ctx.lastDay);
    const event: ConditionEvent = {
      ...eventBase(ctx, problems, ctx.orgs.gp, ['gp'], timeOn(problems, onset, 8, 18)),
      kind: 'condition',
      code: c.code,
      onset: formatDay(onset),
      clinicalStatus: c.code === conditionCodes.depression && onset < ctx.lastDay - 730 ? 'remission' : 'active',
      category: 'problem-list-item',
    };
    ctx.events.push(event);
  }
  addAllergies(ctx, rng.fork('allergies'));
  addRepeatMedications(ctx, rng.fork('medications'));
  addImmunisations(ctx, rng.fork('immunisations'));
  addReviews(ctx, rng.fork('reviews'), labs);
  addGpConsultations(ctx, rng.fork('gp'), labs);
  addUrgentCare(ctx, rng.fork('urgent'), labs);
  addElectiveAdmissions(ctx, rng.fork('elective'));
  addOutpatients(ctx, rng.fork('outpatients'));
  addCancerPathways(ctx, rng.fork('cancer'));
  addMentalHealthCare(ctx, rng.fork('mental-health'));
  addCommunityAndSocialCare(ctx, rng.fork('community'));
  addEndOfLife(ctx, rng.fork('end-of-life'), labs);
  addFutureAppointments(ctx, rng.fork('appointments'));
  return ctx.events.sort(byTime);
}
