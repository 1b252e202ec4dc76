import { procedures, reasons, referrals, specialties } from '../codes/index.ts';
import type { Coding, EncounterEvent, MedicationEvent, ReferralEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, addEncounter, daysToNext, eventBase, lastMs, timeOn } from './context.ts';
import { DAY_MS, MINUTE_MS, YEAR_DAYS } from './dates.ts';
import { addClinicLetter, addDischargeSummary } from './documents.ts';
import { type LabBaseline, addLabReport } from './labs.ts';
import { type AcuteKey, addAcuteCourse, antibioticFor } from './medications.ts';
import type { Place } from './organisations.ts';
import { addBloodPressure, addHeartRate, addNews2Set, addWeightAndBmi } from './vitals.ts';

const HOUR_MS = 60 * MINUTE_MS;

function ageAt(ctx: HistoryContext, day: number): number {
  return (day - ctx.birthDay) / YEAR_DAYS;
}

/** Runs `visit` on days drawn as a Poisson process over the window, at `rate(age)` a year. */
function eachVisit(
  ctx: HistoryContext,
  rng: Rng,
  from: number,
  rate: (age: number) => number,
  visit: (day: number) => void,
): void {
  let day = Math.max(from, ctx.windowStart);
  for (;;) {
    const r = rate(ageAt(ctx, day));
    if (r <= 0) {
      day += 365;
      if (day > ctx.lastDay) return;
      continue;
    }
    day += daysToNext(rng, r);
    if (day > ctx.lastDay) return;
    visit(day);
  }
}

// ---------------------------------------------------------------------------------------------------------
// General practice

type Infection = 'chest' | 'throat' | 'urine' | 'skin' | undefined;

interface Complaint {
  reason: Coding;
  infection: Infection;
  /** Share of consultations for it that end with an antibiotic (NICE NG84, NG120, NG109, NG141 prescribing). */
  antibiotic: number;
}

const CHILD_COMPLAINTS: readonly (readonly [Complaint, number])[] = [
  [{ reason: reasons.upperRespiratoryInfection, infection: 'chest', antibiotic: 0.1 }, 30],
  [{ reason: reasons.fever, infection: undefined, antibiotic: 0 }, 15],
  [{ reason: reasons.cough, infection: 'chest', antibiotic: 0.2 }, 15],
  [{ reason: reasons.soreThroat, infection: 'throat', antibiotic: 0.35 }, 10],
  [{ reason: reasons.rash, infection: undefined, antibiotic: 0 }, 10],
  [{ reason: reasons.gastroenteritis, infection: undefined, antibiotic: 0 }, 10],
];

const ADULT_COMPLAINTS: readonly (readonly [Complaint, number])[] = [
  [{ reason: reasons.upperRespiratoryInfection, infection: 'chest', antibiotic: 0.1 }, 18],
  [{ reason: reasons.soreThroat, infection: 'throat', antibiotic: 0.35 }, 8],
  [{ reason: reasons.cough, infection: 'chest', antibiotic: 0.3 }, 12],
  [{ reason: reasons.lowBackPain, infection: undefined, antibiotic: 0 }, 12],
  [{ reason: reasons.urinaryTractInfection, infection: 'urine', antibiotic: 0.9 }, 8],
  [{ reason: reasons.anxiety, infection: undefined, antibiotic: 0 }, 8],
  [{ reason: reasons.headache, infection: undefined, antibiotic: 0 }, 7],
  [{ reason: reasons.rash, infection: undefined, antibiotic: 0 }, 7],
  [{ reason: reasons.abdominalPain, infection: undefined, antibiotic: 0 }, 7],
  [{ reason: reasons.cellulitis, infection: 'skin', antibiotic: 0.95 }, 3],
  [{ reason: reasons.dizziness, infection: undefined, antibiotic: 0 }, 5],
  [{ reason: reasons.chestPain, infection: undefined, antibiotic: 0 }, 3],
];

const OLDER_COMPLAINTS: readonly (readonly [Complaint, number])[] = [
  ...ADULT_COMPLAINTS,
  [{ reason: reasons.fall, infection: undefined, antibiotic: 0 }, 10],
  [{ reason: reasons.breathlessness, infection: undefined, antibiotic: 0 }, 8],
];

/**
 * GP consultations a year by age (NHS Digital appointments in general practice, London, and the CPRD consultation
 * rate studies: more for infants, women of working age, older people and the multimorbid), of which about half
 * are recorded here as a coded consultation.
 */
function gpRate(ctx: HistoryContext, age: number): number {
  const base =
    age < 1
      ? 3
      : age < 5
        ? 1.6
        : age < 16
          ? 0.7
          : age < 45
            ? ctx.person.sex === 'female'
              ? 1.3
              : 0.7
            : age < 65
              ? 1.2
              : age < 75
                ? 1.6
                : 2.2;
  return base + Math.min(2, 0.35 * ctx.conditions.list.length);
}

export function addGpConsultations(ctx: HistoryContext, rng: Rng, labs: LabBaseline): void {
  const gp = ctx.orgs.gp;
  eachVisit(
    ctx,
    rng,
    ctx.birthDay,
    (age) => gpRate(ctx, age),
    (day) => {
      const age = ageAt(ctx, day);
      const complaint = rng.weighted(age < 16 ? CHILD_COMPLAINTS : age < 65 ? ADULT_COMPLAINTS : OLDER_COMPLAINTS);
      const start = timeOn(rng, day, 8, 18);
      const encounter = addEncounter(ctx, rng, gp, ['gp', 'nurse'], start, start + rng.int(8, 20) * MINUTE_MS, {
        setting: 'gp',
        reason: complaint.reason,
        location: 'Consulting room',
      });
      const at = start + 5 * MINUTE_MS;
      if (complaint.infection && rng.chance(complaint.antibiotic)) {
        addAcuteCourse(ctx, rng, antibioticFor(ctx, complaint.infection), at, gp, encounter.id);
      } else if (complaint.reason === reasons.lowBackPain && rng.chance(0.4)) {
        addAcuteCourse(ctx, rng, ctx.traits.nsaidAllergy ? 'paracetamol' : 'naproxen', at, gp, encounter.id);
      }
      if (age >= 18 && rng.chance(ctx.traits.undiagnosedHighBp ? 0.35 : 0.15)) {
        addBloodPressure(ctx, rng, gp, ['gp', 'nurse'], at, encounter.id);
      }
      if (age >= 18 && rng.chance(0.06) && ctx.orgs.acute) {
        addLabReport(ctx, rng, 'fbc', at, ctx.orgs.acute, labs);
        addLabReport(ctx, rng, 'ue', at, ctx.orgs.acute, labs);
      }
    },
  );
}

const REVIEWED: readonly (keyof HistoryContext['conditions']['has'])[] = [
  'hypertension',
  'diabetes',
  'ckd',
  'heartFailure',
  'atrialFibrillation',
  'ischaemicHeartDisease',
  'asthma',
  'copd',
  'smi',
  'learningDisability',
  'dementia',
  'epilepsy',
];

/**
 * The yearly long-term condition review (QOF: BP, weight, HbA1c, renal function, lipids as each condition needs;
 * SMI and learning disability physical health checks) and, for other adults of 40-74, the five-yearly NHS Health
 * Check.
 */
export function addReviews(ctx: HistoryContext, rng: Rng, labs: LabBaseline): void {
  const gp = ctx.orgs.gp;
  const lab = ctx.orgs.acute;
  const has = ctx.conditions.has;
  let firstOnset = Infinity;
  for (const key of REVIEWED) {
    const c = has[key];
    if (c && c.onsetDay < firstOnset) firstOnset = c.onsetDay;
  }
  const cardioRenal = has.hypertension || has.diabetes || has.ckd || has.heartFailure || has.ischaemicHeartDisease;
  if (firstOnset !== Infinity) {
    let day = Math.max(ctx.windowStart, firstOnset + rng.int(14, 120)) + rng.int(0, 200);
    while (day <= ctx.lastDay) {
      const adult = ageAt(ctx, day) >= 18;
      const start = timeOn(rng, day, 8, 17);
      const review = addEncounter(ctx, rng, gp, ['nurse', 'gp'], start, start + rng.int(15, 30) * MINUTE_MS, {
        setting: 'gp',
        reason: reasons.medicationReview,
        location: 'Treatment room',
      });
      const at = start + 5 * MINUTE_MS;
      if (adult) {
        addBloodPressure(ctx, rng, gp, ['nurse', 'gp'], at, review.id);
        if (cardioRenal && rng.chance(0.3))
          addBloodPressure(ctx, rng, gp, ['nurse', 'gp'], at + 3 * MINUTE_MS, review.id);
        addWeightAndBmi(ctx, rng, gp, ['nurse', 'gp'], at, review.id);
        if (has.atrialFibrillation || has.heartFailure) addHeartRate(ctx, rng, gp, ['nurse', 'gp'], at, review.id);
      }
      if (lab && adult) {
        if (has.diabetes || has.smi) addLabReport(ctx, rng, 'hba1c', at, lab, labs);
        if (has.diabetes || has.ckd || has.heartFailure || (has.hypertension && rng.chance(0.6)) || has.smi) {
          addLabReport(ctx, rng, 'ue', at, lab, labs);
        }
        if (has.ckd) addLabReport(ctx, rng, 'fbc', at, lab, labs);
        if (
          has.diabetes ||
          has.smi ||
          (has.ischaemicHeartDisease && rng.chance(0.7)) ||
          (has.hypertension && rng.chance(0.3))
        ) {
          addLabReport(ctx, rng, 'lipids', at, lab, labs);
        }
        if (has.diabetes && rng.chance(0.5)) {
          const mid = day + rng.int(150, 200);
          if (mid <= ctx.lastDay) addLabReport(ctx, rng, 'hba1c', timeOn(rng, mid, 8, 12), lab, labs);
        }
      }
      day += rng.int(330, 420);
    }
    return;
  }
  // NHS Health Check: every five years for 40-74 without a cardiovascular condition; about half take it up.
  let day = Math.max(ctx.windowStart, ctx.birthDay + Math.floor(40 * YEAR_DAYS)) + rng.int(0, 5 * 365);
  while (day <= ctx.lastDay && ageAt(ctx, day) < 75) {
    if (rng.chance(0.5)) {
      const start = timeOn(rng, day, 8, 17);
      const check = addEncounter(ctx, rng, gp, ['nurse'], start, start + 20 * MINUTE_MS, {
        setting: 'gp',
        location: 'Treatment room',
      });
      const at = start + 5 * MINUTE_MS;
      addBloodPressure(ctx, rng, gp, ['nurse'], at, check.id);
      addWeightAndBmi(ctx, rng, gp, ['nurse'], at, check.id);
      if (lab) {
        addLabReport(ctx, rng, 'lipids', at, lab, labs);
        if (ctx.traits.bmi >= 30 || rng.chance(0.3)) addLabReport(ctx, rng, 'hba1c', at, lab, labs);
      }
    }
    day += 5 * 365 + rng.int(-60, 60);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Hospital stays

export interface AdmissionOptions {
  place: Place;
  startMs: number;
  days: number;
  reason?: Coding;
  firstWard: string;
  nextWard?: string;
  destination?: EncounterEvent['dischargeDestination'];
  mhaSection?: EncounterEvent['mhaSection'];
  professions?: readonly ('consultant' | 'psychiatrist' | 'junior-doctor' | 'nurse')[];
  dischargeCourse?: AcuteKey;
  bloods?: LabBaseline;
  /** When the stay must end by (the person's last instant of ordinary care, or of life). */
  latestEndMs?: number;
  /** The exact end, for a stay that ends in death. */
  exactEndMs?: number;
}

/** An inpatient stay: admission, ward transfers, bloods on admission, discharge and its summary. */
export function addAdmission(ctx: HistoryContext, rng: Rng, o: AdmissionOptions): EncounterEvent {
  const latest = o.latestEndMs ?? lastMs(ctx);
  let endMs = o.startMs + o.days * DAY_MS + rng.int(-4, 4) * HOUR_MS;
  if (endMs <= o.startMs) endMs = o.startMs + rng.int(4, 10) * HOUR_MS;
  if (ctx.deathDay !== undefined && endMs > latest) endMs = latest;
  if (o.exactEndMs !== undefined) endMs = o.exactEndMs;
  const wardTransfers: { at: string; ward: string }[] = [];
  const fields: Omit<
    EncounterEvent,
    'id' | 'odsCode' | 'siteOdsCode' | 'performer' | 'at' | 'encounterId' | 'kind' | 'end'
  > = {
    setting: 'inpatient',
    location: o.firstWard,
    dischargeDestination: o.destination ?? 'home',
  };
  if (o.reason) fields.reason = o.reason;
  if (o.mhaSection) fields.mhaSection = o.mhaSection;
  const stay = addEncounter(ctx, rng, o.place, o.professions ?? ['consultant'], o.startMs, endMs, fields);
  const transferMs = o.startMs + rng.int(6, 30) * HOUR_MS;
  if (o.nextWard && transferMs < endMs - HOUR_MS && transferMs <= (ctx.asOfDay + 1) * DAY_MS - MINUTE_MS) {
    wardTransfers.push({ at: new Date(transferMs).toISOString().slice(0, 19) + 'Z', ward: o.nextWard });
    stay.wardTransfers = wardTransfers;
  }
  if (stay.end === undefined) delete stay.dischargeDestination;
  if (o.bloods && o.place.org.kind === 'acute-trust') {
    const at = o.startMs + rng.int(30, 120) * MINUTE_MS;
    if (at < endMs) {
      addLabReport(ctx, rng, 'fbc', at, o.place, o.bloods, stay.id, true);
      addLabReport(ctx, rng, 'ue', at, o.place, o.bloods, stay.id, true);
    }
  }
  if (stay.end !== undefined) {
    let started: MedicationEvent | undefined;
    if (o.dischargeCourse && stay.dischargeDestination !== 'died') {
      started = addAcuteCourse(ctx, rng, o.dischargeCourse, endMs - 30 * MINUTE_MS, o.place, stay.id);
    }
    if (o.place.org.kind !== 'mental-health-trust' || rng.chance(0.8)) {
      addDischargeSummary(
        ctx,
        rng,
        o.place,
        stay,
        Math.min(endMs + rng.int(10, 120) * MINUTE_MS, dayEndMs(endMs)),
        started,
        followUpText(rng),
      );
    }
  }
  return stay;
}

function dayEndMs(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS - MINUTE_MS;
}

function followUpText(rng: Rng): string {
  return rng.pick([
    'Please review in the practice within two weeks and repeat U&E.',
    'No GP action required; hospital outpatient follow-up arranged.',
    'Please review medicines at the next routine appointment.',
    'Please arrange blood tests (FBC, U&E) in one week.',
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Urgent and emergency care

interface Emergency {
  reason: Coding;
  illness: number;
  ward: string;
  course?: AcuteKey;
}

function emergencyFor(ctx: HistoryContext, rng: Rng, age: number): Emergency {
  const has = ctx.conditions.has;
  const options: [Emergency, number][] = [];
  if (age < 5) {
    options.push(
      [{ reason: reasons.bronchiolitis, illness: 0.4, ward: 'Paediatric Ward' }, age < 2 ? 4 : 0.5],
      [{ reason: reasons.fever, illness: 0.3, ward: 'Paediatric Ward' }, 4],
      [{ reason: reasons.croup, illness: 0.3, ward: 'Paediatric Ward' }, 2],
      [{ reason: reasons.febrileConvulsion, illness: 0.4, ward: 'Paediatric Ward' }, 1],
      [{ reason: reasons.gastroenteritis, illness: 0.3, ward: 'Paediatric Ward' }, 3],
      [{ reason: reasons.headInjury, illness: 0.2, ward: 'Paediatric Ward' }, 2],
    );
  } else if (age < 16) {
    options.push(
      [{ reason: reasons.ankleSprain, illness: 0.1, ward: 'Paediatric Ward' }, 4],
      [{ reason: reasons.headInjury, illness: 0.2, ward: 'Paediatric Ward' }, 3],
      [{ reason: reasons.abdominalPain, illness: 0.3, ward: 'Paediatric Ward' }, 3],
      [{ reason: reasons.fever, illness: 0.3, ward: 'Paediatric Ward' }, 2],
    );
  } else {
    options.push(
      [{ reason: reasons.chestPain, illness: 0.3, ward: 'Cardiology Ward' }, age >= 40 ? 4 : 2],
      [{ reason: reasons.abdominalPain, illness: 0.3, ward: 'Surgical Assessment Unit' }, 4],
      [{ reason: reasons.ankleSprain, illness: 0.1, ward: 'Fracture Clinic' }, age < 65 ? 3 : 0.5],
      [{ reason: reasons.headInjury, illness: 0.2, ward: 'Acute Medical Unit' }, 2],
      [{ reason: reasons.syncope, illness: 0.3, ward: 'Acute Medical Unit' }, 1.5],
      [{ reason: reasons.breathlessness, illness: 0.5, ward: 'Respiratory Ward' }, age >= 65 ? 3 : 1],
      [
        { reason: reasons.pneumonia, illness: 0.6, ward: 'Respiratory Ward', course: 'amoxicillin' },
        age >= 65 ? 3 : 0.5,
      ],
      [
        { reason: reasons.urinaryTractInfection, illness: 0.4, ward: 'Acute Medical Unit', course: 'nitrofurantoin' },
        age >= 65 ? 2 : 0.5,
      ],
      [{ reason: reasons.cellulitis, illness: 0.3, ward: 'Acute Medical Unit', course: 'flucloxacillin' }, 1],
    );
    if (age >= 65) {
      options.push([{ reason: reasons.fall, illness: 0.3, ward: 'Care of the Elderly Ward' }, 4]);
      options.push([
        { reason: reasons.fracturedNeckOfFemur, illness: 0.5, ward: 'Orthopaedic Ward' },
        age >= 80 ? 1.5 : 0.3,
      ]);
      options.push([{ reason: reasons.stroke, illness: 0.6, ward: 'Stroke Unit' }, 0.8]);
    }
    if (has.ischaemicHeartDisease)
      options.push([{ reason: reasons.myocardialInfarction, illness: 0.6, ward: 'Coronary Care Unit' }, 1]);
    if (has.smi || has.depression)
      options.push([{ reason: reasons.selfHarm, illness: 0.3, ward: 'Acute Medical Unit' }, 2]);
  }
  if (has.asthma)
    options.push([
      { reason: reasons.asthmaExacerbation, illness: 0.5, ward: 'Respiratory Ward', course: 'prednisolone' },
      4,
    ]);
  if (has.copd)
    options.push([
      { reason: reasons.copdExacerbation, illness: 0.6, ward: 'Respiratory Ward', course: 'prednisolone' },
      5,
    ]);
  if (has.heartFailure) options.push([{ reason: reasons.breathlessness, illness: 0.6, ward: 'Cardiology Ward' }, 4]);
  // NICE CG143: an acute painful sickle cell episode is a medical emergency, often needing admission.
  if (has.sickleCell) options.push([{ reason: has.sickleCell.code, illness: 0.5, ward: 'Haematology Ward' }, 12]);
  if (has.epilepsy) options.push([{ reason: has.epilepsy.code, illness: 0.4, ward: 'Acute Medical Unit' }, 3]);
  return rng.weighted(options);
}

/**
 * ED attendances a year by age (NHS England A&E attendances and ECDS, London about 0.4 a person a year; highest
 * for infants and the very old), with more for conditions that bring people to the ED.
 */
function edRate(ctx: HistoryContext, age: number): number {
  const has = ctx.conditions.has;
  let rate = age < 1 ? 1 : age < 5 ? 0.55 : age < 16 ? 0.27 : age < 65 ? 0.34 : age < 80 ? 0.46 : 0.95;
  if (has.asthma) rate += 0.1;
  if (has.copd) rate += 0.3;
  if (has.heartFailure) rate += 0.3;
  if (has.smi) rate += 0.3;
  if (has.epilepsy) rate += 0.2;
  if (has.sickleCell) rate += 1.2;
  return rate;
}

/** NHS 111 calls, ED attendances (some by ambulance), emergency admissions, and ambulance calls not conveyed. */
export function addUrgentCare(ctx: HistoryContext, rng: Rng, labs: LabBaseline): void {
  const { emergency, ambulance, nhs111 } = ctx.orgs;
  if (emergency) {
    eachVisit(
      ctx,
      rng,
      ctx.birthDay,
      (age) => edRate(ctx, age),
      (day) => {
        const age = ageAt(ctx, day);
        const problem = emergencyFor(ctx, rng, age);
        addEmergencyAttendance(ctx, rng, day, age, problem, labs);
      },
    );
  }
  if (nhs111) {
    eachVisit(
      ctx,
      rng,
      ctx.birthDay,
      (age) => (age < 5 ? 0.5 : age < 65 ? 0.18 : 0.25),
      (day) => {
        const start = timeOn(rng, day, 0, 24);
        const reason = rng.pick([
          reasons.fever,
          reasons.abdominalPain,
          reasons.headache,
          reasons.cough,
          reasons.rash,
          reasons.dizziness,
        ]);
        addEncounter(
          ctx,
          rng,
          nhs111,
          ['call-handler', 'nurse'],
          start,
          Math.min(start + rng.int(8, 30) * MINUTE_MS, lastMs(ctx)),
          {
            setting: 'nhs111',
            reason,
          },
        );
      },
    );
  }
  if (ambulance) {
    // See-and-treat and hear-and-treat: about a third of ambulance incidents are not taken to hospital (NHS
    // England Ambulance Quality Indicators).
    eachVisit(
      ctx,
      rng,
      ctx.birthDay,
      (age) => (age < 16 ? 0.01 : age < 65 ? 0.03 : age < 80 ? 0.06 : 0.15),
      (day) => {
        const start = timeOn(rng, day, 0, 24);
        const endMs = Math.min(start + rng.int(40, 90) * MINUTE_MS, lastMs(ctx));
        const reason =
          ageAt(ctx, day) >= 65
            ? rng.pick([reasons.fall, reasons.dizziness, reasons.breathlessness])
            : rng.pick([reasons.chestPain, reasons.syncope, reasons.anxiety]);
        const incident = addEncounter(ctx, rng, ambulance, ['paramedic'], start, endMs, {
          setting: 'ambulance',
          reason,
          location: 'Scene',
        });
        if (ageAt(ctx, day) >= 16)
          incident.news2 = addNews2Set(ctx, rng, ambulance, ['paramedic'], start + 10 * MINUTE_MS, incident.id, 0.15);
      },
    );
  }
}

function addEmergencyAttendance(
  ctx: HistoryContext,
  rng: Rng,
  day: number,
  age: number,
  problem: Emergency,
  labs: LabBaseline,
): void {
  const ed = ctx.orgs.emergency;
  if (!ed) return;
  const limit = lastMs(ctx);
  let arrival = timeOn(rng, day, 0, 24);
  const byAmbulance = ctx.orgs.ambulance !== undefined && rng.chance(age >= 80 ? 0.6 : age >= 65 ? 0.4 : 0.15);
  let news2: number | undefined;
  if (byAmbulance && ctx.orgs.ambulance) {
    const call = arrival;
    arrival = Math.min(call + rng.int(30, 75) * MINUTE_MS, limit);
    // domain.md 5.4: handover within 15 minutes is the standard; many take longer.
    const handover = Math.min(arrival + rng.int(10, 70) * MINUTE_MS, limit);
    const incident = addEncounter(ctx, rng, ctx.orgs.ambulance, ['paramedic'], call, handover, {
      setting: 'ambulance',
      reason: problem.reason,
      location: 'Scene',
    });
    if (age >= 16) {
      news2 = addNews2Set(
        ctx,
        rng,
        ctx.orgs.ambulance,
        ['paramedic'],
        call + 15 * MINUTE_MS,
        incident.id,
        problem.illness,
      );
      incident.news2 = news2;
    }
  }
  const admitted = rng.chance(
    Math.min(0.85, (age >= 80 ? 0.45 : age >= 65 ? 0.35 : age < 16 ? 0.1 : 0.15) + problem.illness * 0.3),
  );
  const edEnd = Math.min(arrival + rng.int(60, admitted ? 8 * 60 : 5 * 60) * MINUTE_MS, limit);
  const attendance = addEncounter(ctx, rng, ed, ['junior-doctor', 'consultant', 'nurse'], arrival, edEnd, {
    setting: 'emergency',
    reason: problem.reason,
    location: 'Emergency Department',
  });
  if (news2 !== undefined) attendance.news2 = news2;
  if (admitted && edEnd < limit - HOUR_MS && ctx.orgs.emergency) {
    const days = age >= 65 ? rng.int(2, 14) : rng.int(1, 5);
    addAdmission(ctx, rng, {
      place: ed,
      startMs: edEnd,
      days,
      reason: problem.reason,
      firstWard: age < 16 ? 'Paediatric Assessment Unit' : 'Acute Medical Unit',
      nextWard: rng.chance(0.7) ? problem.ward : undefined,
      destination: ctx.conditions.frailty === 'severe' && rng.chance(0.15) ? 'care-home' : 'home',
      professions: ['consultant'],
      dischargeCourse: problem.course,
      bloods: labs,
    });
  } else if (problem.course && rng.chance(0.6)) {
    addAcuteCourse(ctx, rng, problem.course, Math.max(arrival, edEnd - 20 * MINUTE_MS), ed, attendance.id);
  }
}

/** Planned day-case and inpatient surgery (NHS hospital episode statistics: more with age). */
export function addElectiveAdmissions(ctx: HistoryContext, rng: Rng): void {
  const hospital = ctx.orgs.acute;
  if (!hospital) return;
  eachVisit(
    ctx,
    rng,
    ctx.birthDay,
    (age) => (age < 16 ? 0.01 : age < 60 ? 0.03 : 0.07),
    (day) => {
      const startMs = timeOn(rng, day, 7, 10);
      const stay = addAdmission(ctx, rng, {
        place: hospital,
        startMs,
        days: rng.chance(0.6) ? 0 : rng.int(1, 4),
        firstWard: rng.chance(0.6) ? 'Day Surgery Unit' : 'Surgical Ward',
        professions: ['consultant'],
      });
      ctx.events.push({
        ...eventBase(ctx, rng, hospital, ['consultant'], startMs + rng.int(60, 240) * MINUTE_MS, stay.id),
        kind: 'procedure',
        code: procedures.surgery,
      });
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Outpatients

interface ClinicPlan {
  specialty: Coding;
  perYear: number;
  from: number;
  findings: string;
  plan: string;
}

function clinicPlans(ctx: HistoryContext): ClinicPlan[] {
  const has = ctx.conditions.has;
  const plans: ClinicPlan[] = [];
  const push = (
    c: { onsetDay: number } | undefined,
    specialty: Coding,
    perYear: number,
    findings: string,
    plan: string,
  ): void => {
    if (c) plans.push({ specialty, perYear, from: c.onsetDay, findings, plan });
  };
  push(
    has.heartFailure,
    specialties.cardiology,
    0.6,
    'Breathlessness is stable on current treatment; no signs of fluid overload today.',
    'Continue current medicines; echocardiogram in 12 months.',
  );
  push(
    has.atrialFibrillation,
    specialties.cardiology,
    0.3,
    'Rate controlled, in atrial fibrillation on ECG today; anticoagulated.',
    'Continue apixaban and bisoprolol; discharge to GP care.',
  );
  push(
    has.ischaemicHeartDisease,
    specialties.cardiology,
    0.3,
    'No angina on ordinary activity.',
    'Continue secondary prevention; open access if symptoms change.',
  );
  push(
    has.diabetes,
    specialties.endocrinology,
    ctx.conditions.diabetesType === 1 ? 2 : 0.15,
    'Glycaemic control reviewed with the latest HbA1c; no hypoglycaemia reported.',
    'Continue current regimen; retinal screening as scheduled.',
  );
  if (ctx.conditions.ckdStage === '4' || ctx.conditions.ckdStage === '5')
    push(
      has.ckd,
      specialties.nephrology,
      2,
      'Renal function stable on recent bloods.',
      'Repeat U&E in three months; discussed renal replacement options.',
    );
  push(
    has.copd,
    specialties.respiratoryMedicine,
    0.3,
    'Spirometry consistent with COPD; inhaler technique checked.',
    'Continue inhalers; pulmonary rehabilitation referral offered.',
  );
  push(
    has.sickleCell,
    specialties.haematology,
    3,
    'Well since last review; baseline haemoglobin stable.',
    'Continue folic acid and current treatment; annual transcranial Doppler or review as due.',
  );
  push(
    has.epilepsy,
    specialties.neurology,
    0.4,
    'Seizure frequency reviewed; no recent seizures.',
    'Continue anti-seizure medicine; driving advice given.',
  );
  push(
    has.dementia,
    specialties.geriatricMedicine,
    0.4,
    'Memory assessment reviewed with family; cognition consistent with dementia.',
    'Continue treatment; memory service follow-up in six months.',
  );
  return plans;
}

const GENERAL_SPECIALTIES: readonly Coding[] = [
  specialties.traumaAndOrthopaedics,
  specialties.dermatology,
  specialties.ent,
  specialties.gastroenterology,
  specialties.ophthalmology,
  specialties.urology,
  specialties.generalSurgery,
];

/** Outpatient attendances for the person's conditions, GP referrals to other clinics, and letters back. */
export function addOutpatients(ctx: HistoryContext, rng: Rng): void {
  const hospital = ctx.orgs.acute;
  if (!hospital) return;
  for (const plan of clinicPlans(ctx)) {
    eachVisit(
      ctx,
      rng,
      plan.from,
      () => plan.perYear,
      (day) => {
        addClinic(ctx, rng, hospital, plan.specialty, day, plan.findings, plan.plan);
      },
    );
  }
  eachVisit(
    ctx,
    rng,
    ctx.birthDay,
    (age) => (age < 16 ? 0.06 : age < 50 ? 0.08 : 0.15),
    (day) => {
      const specialty = ageAt(ctx, day) < 16 ? specialties.paediatrics : rng.pick(GENERAL_SPECIALTIES);
      const referralDay = day - rng.int(30, 120);
      const place = ctx.orgs.outOfArea.length > 0 && rng.chance(0.05) ? rng.pick(ctx.orgs.outOfArea) : hospital;
      if (referralDay > ctx.windowStart) {
        const referral: ReferralEvent = {
          ...eventBase(ctx, rng, ctx.orgs.gp, ['gp'], timeOn(rng, referralDay, 8, 18)),
          kind: 'referral',
          code: referrals.patientReferral,
          priority: 'routine',
          toOdsCode: place.org.odsCode,
        };
        ctx.events.push(referral);
      }
      addClinic(
        ctx,
        rng,
        place,
        specialty,
        day,
        'Symptoms reviewed and examined; investigations discussed.',
        rng.pick([
          'Discharged to GP care.',
          'Investigations requested; review in clinic with results.',
          'Treatment options discussed; listed for a procedure.',
        ]),
      );
    },
  );
}

export function addClinic(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  specialty: Coding,
  day: number,
  findings: string,
  plan: string,
): EncounterEvent {
  const start = timeOn(rng, day, 9, 17);
  const clinic = addEncounter(
    ctx,
    rng,
    place,
    ['consultant', 'junior-doctor'],
    start,
    start + rng.int(15, 40) * MINUTE_MS,
    {
      setting: 'outpatient',
      reason: specialty,
      location: `${specialty.display} clinic`,
    },
  );
  if (rng.chance(0.6)) {
    const letterMs = Math.min(start + rng.int(1, 10) * DAY_MS, lastMs(ctx));
    if (letterMs > start) addClinicLetter(ctx, rng, place, clinic, specialty, letterMs, findings, plan);
  }
  return clinic;
}

// ---------------------------------------------------------------------------------------------------------
// Mental health, community, social care and care homes

/**
 * Community mental health contacts (for SMI and some with depression) and Mental Health Act detentions: about
 * 50,000 a year in England (NHS Digital MHA statistics), about 0.1% of people, most of them with SMI.
 */
export function addMentalHealthCare(ctx: HistoryContext, rng: Rng): void {
  const mh = ctx.orgs.mentalHealth;
  if (!mh) return;
  const has = ctx.conditions.has;
  if (has.smi) {
    eachVisit(
      ctx,
      rng,
      has.smi.onsetDay,
      () => 3,
      (day) => {
        const start = timeOn(rng, day, 9, 17);
        addEncounter(
          ctx,
          rng,
          mh,
          ['nurse', 'psychiatrist', 'social-worker'],
          start,
          start + rng.int(30, 60) * MINUTE_MS,
          {
            setting: 'mental-health',
            reason: has.smi!.code,
            location: 'Community mental health team',
          },
        );
      },
    );
  }
  if (has.depression && rng.chance(0.25)) {
    let day = Math.max(ctx.windowStart, has.depression.onsetDay + rng.int(14, 90));
    for (let session = 0; session < 6 && day <= ctx.lastDay; session++, day += rng.int(7, 14)) {
      const start = timeOn(rng, day, 9, 18);
      addEncounter(ctx, rng, mh, ['nurse'], start, start + 50 * MINUTE_MS, {
        setting: 'mental-health',
        reason: has.depression.code,
        location: 'Talking therapies',
      });
    }
  }
  const detentionRate = has.smi ? 0.07 : ctx.age >= 16 ? 0.0004 : 0;
  eachVisit(
    ctx,
    rng,
    ctx.birthDay + 16 * 365,
    () => detentionRate,
    (day) => addDetention(ctx, rng, mh, day),
  );
}

function addDetention(ctx: HistoryContext, rng: Rng, mh: Place, day: number): void {
  const known = ctx.conditions.has.smi !== undefined;
  const section = rng.weighted<'2' | '3' | '136' | '5(2)'>([
    ['2', 50],
    ['3', known ? 30 : 5],
    ['136', 15],
    ['5(2)', 5],
  ]);
  let start = timeOn(rng, day, 0, 24);
  const limit = lastMs(ctx);
  if (section === '136') {
    // domain.md 4.3: section 136 lasts up to 24 hours in a place of safety; most then go on to section 2.
    const end = Math.min(start + rng.int(6, 23) * HOUR_MS, limit);
    addEncounter(ctx, rng, mh, ['psychiatrist', 'amhp'], start, end, {
      setting: 'mental-health',
      reason: reasons.psychosis,
      location: 'Health-based place of safety',
      mhaSection: '136',
    });
    if (!rng.chance(0.6) || end >= limit - HOUR_MS) return;
    start = end;
  }
  const detainedAs = section === '136' ? '2' : section;
  const days = detainedAs === '3' ? rng.int(30, 120) : detainedAs === '2' ? rng.int(10, 28) : rng.int(1, 3);
  addAdmission(ctx, rng, {
    place: mh,
    startMs: start,
    days,
    reason: ctx.conditions.has.smi?.code ?? reasons.psychosis,
    firstWard: 'Acute Psychiatric Ward',
    nextWard: rng.chance(0.3) ? 'Psychiatric Intensive Care Unit' : undefined,
    mhaSection: detainedAs,
    professions: ['psychiatrist'],
  });
}

/** District nursing and community contacts for the frail and housebound, social care, and care home contacts. */
export function addCommunityAndSocialCare(ctx: HistoryContext, rng: Rng): void {
  const { community, localAuthority, careHome } = ctx.orgs;
  const c = ctx.conditions;
  const frailFrom = c.has.frailty?.onsetDay;
  if (community) {
    const rate =
      (c.frailty === 'severe' ? 6 : c.frailty === 'moderate' ? 1.5 : 0) +
      (c.has.heartFailure || c.has.copd ? 0.8 : 0) +
      (ctx.age >= 85 ? 1 : 0);
    if (rate > 0) {
      const from = Math.min(
        frailFrom ?? Infinity,
        c.has.heartFailure?.onsetDay ?? Infinity,
        c.has.copd?.onsetDay ?? Infinity,
        ctx.birthDay + Math.floor(85 * YEAR_DAYS),
      );
      eachVisit(
        ctx,
        rng,
        from,
        () => rate,
        (day) => {
          const start = timeOn(rng, day, 8, 18);
          addEncounter(ctx, rng, community, ['nurse'], start, start + rng.int(20, 45) * MINUTE_MS, {
            setting: 'community',
            location: 'Home visit',
          });
        },
      );
    }
  }
  if (localAuthority && (c.frailty === 'severe' || c.has.dementia || c.has.learningDisability)) {
    const from = Math.min(
      frailFrom ?? Infinity,
      c.has.dementia?.onsetDay ?? Infinity,
      c.has.learningDisability?.onsetDay ?? Infinity,
    );
    eachVisit(
      ctx,
      rng,
      from,
      () => 1,
      (day) => {
        const start = timeOn(rng, day, 9, 17);
        addEncounter(ctx, rng, localAuthority, ['social-worker'], start, start + rng.int(45, 90) * MINUTE_MS, {
          setting: 'social-care',
          location: rng.chance(0.7) ? 'Home visit' : 'Care needs assessment',
        });
      },
    );
  }
  if (careHome) {
    // A resident: the home's own care reviews, and the GP's weekly round seeing each resident now and then.
    const from = Math.max(ctx.windowStart, ctx.lastDay - rng.int(180, 5 * 365));
    eachVisit(
      ctx,
      rng,
      from,
      () => 6,
      (day) => {
        const start = timeOn(rng, day, 8, 20);
        addEncounter(ctx, rng, careHome, ['nurse', 'care-worker'], start, start + rng.int(15, 40) * MINUTE_MS, {
          setting: 'care-home',
          location: 'Resident room',
        });
      },
    );
  }
}
