import { conditions as conditionCodes, reasons, specialties } from '../codes/index.ts';
import type { ConditionEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, addEncounter, eventBase, timeOn } from './context.ts';
import { DAY_MS, MINUTE_MS, YEAR_DAYS, formatDay } from './dates.ts';
import { addAdmission } from './encounters.ts';
import type { LabBaseline } from './labs.ts';
import { addAcuteCourse } from './medications.ts';
import type { Place } from './organisations.ts';

/**
 * Decides, before anything else is generated, whether the person is near the end of life: the dead (whose last
 * days must match their place of death) and the living with advanced cancer, heart failure, COPD, severe frailty
 * or dementia (about 1% of people: the palliative care register, QOF PC001, is about 0.5-1% of the list).
 */
export function planEndOfLife(ctx: HistoryContext, rng: Rng): void {
  const has = ctx.conditions.has;
  const death = ctx.deathDay;
  const lifeLimiting = has.cancer ?? has.heartFailure ?? has.copd ?? has.dementia ?? has.frailty;
  if (death !== undefined) {
    const place = ctx.person.placeOfDeath ?? 'home';
    const phase =
      place === 'hospital'
        ? rng.int(1, 14)
        : place === 'hospice'
          ? rng.int(3, 21)
          : place === 'other'
            ? 0
            : rng.int(0, 3);
    const finalPhaseDay = Math.max(ctx.birthDay, death - phase);
    ctx.lastDay = Math.max(ctx.birthDay, finalPhaseDay - 1);
    const expected = lifeLimiting !== undefined && place !== 'other' && rng.chance(0.85);
    const registerDay = Math.max(ctx.birthDay, lifeLimiting?.onsetDay ?? ctx.birthDay, death - rng.int(30, 365));
    ctx.endOfLife = expected
      ? { registerDay: Math.min(registerDay, ctx.lastDay), finalPhaseDay }
      : { registerDay: -1, finalPhaseDay };
    return;
  }
  const advanced =
    (has.cancer && ctx.asOfDay - has.cancer.onsetDay < 3 * 365 && rng.chance(0.3)) ||
    (has.heartFailure && rng.chance(0.12)) ||
    (has.copd && ctx.age >= 65 && rng.chance(0.08)) ||
    (ctx.conditions.frailty === 'severe' && rng.chance(0.25)) ||
    (has.dementia && ctx.age >= 85 && rng.chance(0.2));
  if (advanced && lifeLimiting) {
    ctx.endOfLife = { registerDay: Math.max(lifeLimiting.onsetDay, ctx.asOfDay - rng.int(14, 400)) };
  }
}

/** The palliative care register entry, palliative visits, anticipatory medicines and the final events. */
export function addEndOfLife(ctx: HistoryContext, rng: Rng, labs: LabBaseline): void {
  const eol = ctx.endOfLife;
  if (!eol) return;
  const gp = ctx.orgs.gp;
  const registered = eol.registerDay >= 0 && eol.registerDay >= ctx.windowStart - 365;
  if (registered) {
    const register: ConditionEvent = {
      ...eventBase(ctx, rng, gp, ['gp'], timeOn(rng, eol.registerDay, 8, 18)),
      kind: 'condition',
      code: conditionCodes.palliativeCareRegister,
      onset: formatDay(eol.registerDay),
      clinicalStatus: 'active',
      category: 'problem-list-item',
    };
    ctx.events.push(register);
    const palliative: Place | undefined = ctx.orgs.hospice && rng.chance(0.4) ? ctx.orgs.hospice : ctx.orgs.community;
    if (palliative) {
      const end = eol.finalPhaseDay ?? ctx.endDay;
      for (let day = eol.registerDay + rng.int(3, 21); day < end; day += rng.int(21, 45)) {
        const start = timeOn(rng, day, 9, 17);
        addEncounter(ctx, rng, palliative, ['nurse', 'consultant'], start, start + rng.int(30, 60) * MINUTE_MS, {
          setting: palliative === ctx.orgs.hospice ? 'outpatient' : 'community',
          reason: reasons.palliativeCare,
          location: palliative === ctx.orgs.hospice ? 'Hospice day service' : 'Home visit',
        });
      }
    }
  }
  const death = ctx.deathDay;
  if (death === undefined || eol.finalPhaseDay === undefined) return;
  const finalDay = eol.finalPhaseDay;
  // The time of death: early enough in the day for the last records (a summary, verification) to be that day.
  const deathMs = timeOn(rng, death, 1, 19);
  const endLimit = deathMs;
  if (registered) {
    // NICE NG31: anticipatory medicines prescribed for the last days of life.
    const jicDay = Math.max(eol.registerDay, finalDay - rng.int(2, 14));
    const jicMs = Math.min(timeOn(rng, jicDay, 9, 17), endLimit);
    for (const key of [
      'morphineInjection',
      'midazolamInjection',
      'hyoscineInjection',
      'levomepromazineInjection',
    ] as const) {
      addAcuteCourse(ctx, rng, key, jicMs, gp);
    }
  }
  const place = ctx.person.placeOfDeath ?? 'home';
  const verify = (): void => {
    const at = Math.min(deathMs + rng.int(30, 180) * MINUTE_MS, (death + 1) * DAY_MS - MINUTE_MS);
    addEncounter(ctx, rng, gp, ['gp'], at, Math.min(at + 20 * MINUTE_MS, (death + 1) * DAY_MS - MINUTE_MS), {
      setting: 'gp',
      location: 'Verification of death',
    });
  };
  switch (place) {
    case 'hospital': {
      const hospital = ctx.orgs.emergency ?? ctx.orgs.acute;
      if (!hospital) return;
      const startMs = Math.min(timeOn(rng, finalDay, 0, 24), deathMs - 2 * 60 * MINUTE_MS);
      addAdmission(ctx, rng, {
        place: hospital,
        startMs,
        days: death - finalDay,
        reason:
          ctx.conditions.has.cancer?.code ?? rng.pick([reasons.pneumonia, reasons.breathlessness, reasons.stroke]),
        firstWard: 'Acute Medical Unit',
        nextWard: rng.chance(0.6) ? 'Care of the Elderly Ward' : undefined,
        destination: 'died',
        professions: ['consultant'],
        bloods: labs,
        exactEndMs: deathMs,
      });
      return;
    }
    case 'hospice': {
      const hospice = ctx.orgs.hospice;
      if (!hospice) return;
      addAdmission(ctx, rng, {
        place: hospice,
        startMs: Math.min(timeOn(rng, finalDay, 9, 17), deathMs - 2 * 60 * MINUTE_MS),
        days: death - finalDay,
        reason: reasons.palliativeCare,
        firstWard: 'Hospice inpatient unit',
        destination: 'died',
        professions: ['consultant', 'nurse'],
        exactEndMs: deathMs,
      });
      return;
    }
    case 'care-home': {
      const home = ctx.orgs.careHome ?? firstCareHome(ctx);
      if (!home) return;
      for (let day = finalDay; day <= death; day++) {
        const start = day === death ? deathMs - 60 * MINUTE_MS : timeOn(rng, day, 8, 20);
        addEncounter(
          ctx,
          rng,
          home,
          ['nurse', 'care-worker'],
          start,
          day === death ? deathMs : start + 30 * MINUTE_MS,
          {
            setting: 'care-home',
            reason: reasons.palliativeCare,
            location: 'Resident room',
          },
        );
      }
      verify();
      return;
    }
    case 'home': {
      const community = ctx.orgs.community;
      if (community) {
        for (let day = finalDay; day <= death; day++) {
          const start = day === death ? deathMs - 45 * MINUTE_MS : timeOn(rng, day, 8, 20);
          addEncounter(ctx, rng, community, ['nurse'], start, day === death ? deathMs : start + 40 * MINUTE_MS, {
            setting: 'community',
            reason: reasons.palliativeCare,
            location: 'Home visit',
          });
        }
      }
      verify();
      return;
    }
    case 'other': {
      const ambulance = ctx.orgs.ambulance;
      if (!ambulance) return;
      addEncounter(ctx, rng, ambulance, ['paramedic'], deathMs - rng.int(20, 50) * MINUTE_MS, deathMs, {
        setting: 'ambulance',
        reason: reasons.cardiacArrest,
        location: 'Scene',
      });
      return;
    }
  }
}

function firstCareHome(ctx: HistoryContext): Place | undefined {
  const homes = ctx.index.ofKind('care-home');
  const home = homes[ctx.person.index % Math.max(1, homes.length)];
  return home ? { org: home } : undefined;
}

/** Booked hospital appointments after asOf, at two or three hospitals, for the living with conditions. */
export function addFutureAppointments(ctx: HistoryContext, rng: Rng): void {
  if (ctx.deathDay !== undefined || ctx.conditions.list.length === 0) return;
  const has = ctx.conditions.has;
  const wanted = [
    has.heartFailure || has.atrialFibrillation || has.ischaemicHeartDisease ? specialties.cardiology : undefined,
    has.diabetes ? specialties.endocrinology : undefined,
    has.ckd ? specialties.nephrology : undefined,
    has.copd || has.asthma ? specialties.respiratoryMedicine : undefined,
    has.sickleCell ? specialties.haematology : undefined,
    has.cancer ? specialties.medicalOncology : undefined,
    has.epilepsy ? specialties.neurology : undefined,
    has.dementia || has.frailty ? specialties.geriatricMedicine : undefined,
    specialties.ophthalmology,
    specialties.traumaAndOrthopaedics,
  ].filter((s) => s !== undefined);
  const hospitals = ctx.orgs.hospitals;
  const age = (ctx.asOfDay - ctx.birthDay) / YEAR_DAYS;
  for (let i = 0; i < hospitals.length; i++) {
    if (i > 0 && !rng.chance(i === 1 ? 0.7 : 0.5)) continue;
    const place = hospitals[i]!;
    const specialty = age < 16 ? specialties.paediatrics : wanted[Math.min(i, wanted.length - 1)]!;
    const startMs = timeOn(rng, ctx.asOfDay + rng.int(3, 120), 9, 16);
    const bookedMs = timeOn(rng, Math.max(ctx.windowStart, ctx.asOfDay - rng.int(1, 60)), 9, 17);
    ctx.events.push({
      ...eventBase(ctx, rng, place, ['consultant'], bookedMs),
      kind: 'appointment',
      start: new Date(startMs).toISOString().slice(0, 19) + 'Z',
      end: new Date(startMs + rng.pick([20, 30]) * MINUTE_MS).toISOString().slice(0, 19) + 'Z',
      specialty,
      status: 'booked',
    });
  }
}
