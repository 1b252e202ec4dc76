import { medicines as m } from '../codes/index.ts';
import type { Coding, MedicationEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase, timeOn } from './context.ts';
import { formatDay } from './dates.ts';
import type { Place } from './organisations.ts';

interface Prescription {
  code: Coding;
  dosageText: string;
  quantity: { value: number; unit: string };
}

const once = (code: Coding, unit = 'tablet'): Prescription => ({
  code,
  dosageText: `Take ONE ${unit} ONCE a day`,
  quantity: { value: 28, unit },
});

const RX = {
  amlodipine5: once(m.amlodipine5mg),
  amlodipine10: once(m.amlodipine10mg),
  ramipril5: once(m.ramipril5mg, 'capsule'),
  ramipril10: once(m.ramipril10mg, 'capsule'),
  losartan50: once(m.losartan50mg),
  indapamide: once(m.indapamide2_5mg),
  bisoprolol: once(m.bisoprolol2_5mg),
  furosemide: {
    code: m.furosemide40mg,
    dosageText: 'Take ONE tablet each morning',
    quantity: { value: 28, unit: 'tablet' },
  },
  spironolactone: once(m.spironolactone25mg),
  apixaban: { code: m.apixaban5mg, dosageText: 'Take ONE tablet TWICE a day', quantity: { value: 56, unit: 'tablet' } },
  aspirin: once(m.aspirin75mg),
  gtn: {
    code: m.glycerylTrinitrateSpray,
    dosageText: 'ONE or TWO sprays under the tongue when required for chest pain',
    quantity: { value: 1, unit: 'spray' },
  },
  atorvastatin20: {
    code: m.atorvastatin20mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  atorvastatin80: {
    code: m.atorvastatin80mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  metformin: {
    code: m.metformin500mg,
    dosageText: 'Take TWO tablets TWICE a day with food',
    quantity: { value: 112, unit: 'tablet' },
  },
  gliclazide: {
    code: m.gliclazide80mg,
    dosageText: 'Take ONE tablet TWICE a day with food',
    quantity: { value: 56, unit: 'tablet' },
  },
  sitagliptin: once(m.sitagliptin100mg),
  empagliflozin: once(m.empagliflozin10mg),
  glargine: {
    code: m.insulinGlargine,
    dosageText: 'Inject as directed ONCE a day at bedtime',
    quantity: { value: 5, unit: 'pre-filled disposable injection' },
  },
  aspart: {
    code: m.insulinAspart,
    dosageText: 'Inject as directed with meals',
    quantity: { value: 5, unit: 'pre-filled disposable injection' },
  },
  salbutamol: {
    code: m.salbutamolInhaler,
    dosageText: 'Inhale TWO doses when required for breathlessness or wheeze',
    quantity: { value: 200, unit: 'dose' },
  },
  beclometasone: {
    code: m.beclometasoneInhaler,
    dosageText: 'Inhale TWO doses TWICE a day (preventer)',
    quantity: { value: 200, unit: 'dose' },
  },
  budesonideFormoterol: {
    code: m.budesonideFormoterolInhaler,
    dosageText: 'Inhale ONE dose TWICE a day and ONE dose when required',
    quantity: { value: 120, unit: 'dose' },
  },
  tiotropium: {
    code: m.tiotropiumInhaler,
    dosageText: 'Inhale TWO puffs ONCE a day',
    quantity: { value: 60, unit: 'dose' },
  },
  donepezil5: { code: m.donepezil5mg, dosageText: 'Take ONE tablet at NIGHT', quantity: { value: 28, unit: 'tablet' } },
  donepezil10: {
    code: m.donepezil10mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  memantine: once(m.memantine10mg),
  hydroxycarbamide: {
    code: m.hydroxycarbamide500mg,
    dosageText: 'Take as directed by the haematology team',
    quantity: { value: 56, unit: 'capsule' },
  },
  folicAcid: once(m.folicAcid5mg),
  penicillinProphylaxis: {
    code: m.phenoxymethylpenicillin250mg,
    dosageText: 'Take ONE tablet TWICE a day (prophylaxis)',
    quantity: { value: 56, unit: 'tablet' },
  },
  olanzapine: {
    code: m.olanzapine10mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  aripiprazole: once(m.aripiprazole10mg),
  quetiapine: {
    code: m.quetiapine100mg,
    dosageText: 'Take ONE tablet TWICE a day',
    quantity: { value: 56, unit: 'tablet' },
  },
  lithium: {
    code: m.lithiumCarbonate400mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  levetiracetam: {
    code: m.levetiracetam500mg,
    dosageText: 'Take ONE tablet TWICE a day',
    quantity: { value: 56, unit: 'tablet' },
  },
  lamotrigine: {
    code: m.lamotrigine100mg,
    dosageText: 'Take ONE tablet TWICE a day',
    quantity: { value: 56, unit: 'tablet' },
  },
  sertraline: once(m.sertraline50mg),
  citalopram: once(m.citalopram20mg),
  mirtazapine: {
    code: m.mirtazapine15mg,
    dosageText: 'Take ONE tablet at NIGHT',
    quantity: { value: 28, unit: 'tablet' },
  },
  letrozole: once(m.letrozole2_5mg),
  tamoxifen: once(m.tamoxifen20mg),
  bicalutamide: once(m.bicalutamide50mg),
  colecalciferol: once(m.colecalciferol800unit, 'capsule'),
} as const satisfies Record<string, Prescription>;

/** Short courses given at a consultation. */
export const ACUTE = {
  amoxicillin: {
    code: m.amoxicillin500mg,
    dosageText: 'Take ONE capsule THREE times a day for 5 days',
    quantity: { value: 15, unit: 'capsule' },
  },
  amoxicillinSuspension: {
    code: m.amoxicillinSuspension,
    dosageText: '5ml THREE times a day for 5 days',
    quantity: { value: 100, unit: 'ml' },
  },
  phenoxymethylpenicillin: {
    code: m.phenoxymethylpenicillin250mg,
    dosageText: 'Take TWO tablets FOUR times a day for 5 days',
    quantity: { value: 40, unit: 'tablet' },
  },
  clarithromycin: {
    code: m.clarithromycin500mg,
    dosageText: 'Take ONE tablet TWICE a day for 5 days',
    quantity: { value: 10, unit: 'tablet' },
  },
  doxycycline: {
    code: m.doxycycline100mg,
    dosageText: 'Take TWO capsules on the first day then ONE capsule daily for 4 days',
    quantity: { value: 6, unit: 'capsule' },
  },
  flucloxacillin: {
    code: m.flucloxacillin500mg,
    dosageText: 'Take ONE capsule FOUR times a day for 7 days',
    quantity: { value: 28, unit: 'capsule' },
  },
  nitrofurantoin: {
    code: m.nitrofurantoin100mg,
    dosageText: 'Take ONE capsule TWICE a day for 3 days',
    quantity: { value: 6, unit: 'capsule' },
  },
  prednisolone: {
    code: m.prednisolone5mg,
    dosageText: 'Take EIGHT tablets ONCE a day for 5 days',
    quantity: { value: 40, unit: 'tablet' },
  },
  naproxen: {
    code: m.naproxen250mg,
    dosageText: 'Take ONE tablet TWICE a day with food when required',
    quantity: { value: 28, unit: 'tablet' },
  },
  paracetamol: {
    code: m.paracetamol500mg,
    dosageText: 'Take TWO tablets up to FOUR times a day when required',
    quantity: { value: 32, unit: 'tablet' },
  },
  omeprazole: once(m.omeprazole20mg, 'capsule'),
  morphineSolution: {
    code: m.morphineOralSolution,
    dosageText: '2.5ml to 5ml every 4 hours when required for pain',
    quantity: { value: 100, unit: 'ml' },
  },
  morphineInjection: {
    code: m.morphineInjection,
    dosageText: 'Anticipatory medicine: 2.5mg to 5mg subcutaneously when required for pain',
    quantity: { value: 10, unit: 'ampoule' },
  },
  midazolamInjection: {
    code: m.midazolamInjection,
    dosageText: 'Anticipatory medicine: 2.5mg to 5mg subcutaneously when required for agitation',
    quantity: { value: 10, unit: 'ampoule' },
  },
  hyoscineInjection: {
    code: m.hyoscineButylbromideInjection,
    dosageText: 'Anticipatory medicine: 20mg subcutaneously when required for respiratory secretions',
    quantity: { value: 10, unit: 'ampoule' },
  },
  levomepromazineInjection: {
    code: m.levomepromazineInjection,
    dosageText: 'Anticipatory medicine: 6.25mg subcutaneously when required for nausea',
    quantity: { value: 10, unit: 'ampoule' },
  },
} as const satisfies Record<string, Prescription>;

export type AcuteKey = keyof typeof ACUTE;

/** A short course, issued once: by the GP, or on discharge from hospital. */
export function addAcuteCourse(
  ctx: HistoryContext,
  rng: Rng,
  key: AcuteKey,
  atMs: number,
  place: Place,
  encounterId?: string,
): MedicationEvent {
  const rx = ACUTE[key];
  const base = eventBase(ctx, rng, place, ['gp', 'consultant', 'junior-doctor'], atMs, encounterId);
  const event: MedicationEvent = {
    ...base,
    kind: 'medication',
    code: rx.code,
    dosageText: rx.dosageText,
    courseType: 'acute',
    status: 'completed',
    issues: [base.at.slice(0, 10)],
    quantity: rx.quantity,
  };
  ctx.events.push(event);
  return event;
}

/** An antibiotic for a common infection (NICE antimicrobial prescribing guidelines), avoiding a known allergy. */
export function antibioticFor(ctx: HistoryContext, infection: 'chest' | 'throat' | 'urine' | 'skin'): AcuteKey {
  const allergic = ctx.traits.penicillinAllergy;
  const child = ctx.age < 12;
  switch (infection) {
    case 'chest':
      return allergic ? (child ? 'clarithromycin' : 'doxycycline') : child ? 'amoxicillinSuspension' : 'amoxicillin';
    case 'throat':
      return allergic ? 'clarithromycin' : 'phenoxymethylpenicillin';
    case 'urine':
      return 'nitrofurantoin';
    case 'skin':
      return allergic ? 'clarithromycin' : 'flucloxacillin';
  }
}

interface Course {
  rx: Prescription;
  startDay: number;
  /** Last day it may be issued (inclusive). */
  endDay: number;
  /** Days between issues, or undefined for issues `perYear` times a year when required. */
  interval?: number;
  perYear?: number;
  stopped?: boolean;
}

/**
 * Repeat prescriptions for the person's long-term conditions, issued by the GP about every 28 or 56 days (or, for
 * relievers, when the person asks), from the start of the window or the diagnosis, and never after `lastDay`.
 */
export function addRepeatMedications(ctx: HistoryContext, rng: Rng): void {
  const courses: Course[] = [];
  const { conditions, age, person } = ctx;
  const black = person.ethnicCategory === 'M' || person.ethnicCategory === 'N' || person.ethnicCategory === 'P';
  const start = (onsetDay: number): number => Math.max(ctx.windowStart, onsetDay + rng.int(0, 30));
  const add = (rx: Prescription, from: number, opts: Partial<Course> = {}): void => {
    if (from > ctx.lastDay) return;
    courses.push({ rx, startDay: from, endDay: ctx.lastDay, interval: rng.chance(0.7) ? 28 : 56, ...opts });
  };
  const has = conditions.has;
  let onStatin = false;
  let onBetaBlocker = false;
  let onAceOrArb = false;

  if (has.hypertension) {
    const s = start(has.hypertension.onsetDay);
    // NICE NG136: a calcium-channel blocker first at 55 or over, or for people of Black African or Caribbean
    // family origin; an ACE inhibitor (or ARB) first otherwise.
    const first = age >= 55 || black ? RX.amlodipine5 : RX.ramipril5;
    if (rng.chance(0.35)) {
      const stepDay = s + rng.int(180, 900);
      add(first, s, { endDay: Math.min(ctx.lastDay, stepDay - 1), stopped: stepDay <= ctx.lastDay });
      add(first === RX.amlodipine5 ? RX.amlodipine10 : RX.ramipril10, stepDay);
      if (rng.chance(0.4))
        add(first === RX.amlodipine5 ? (black ? RX.losartan50 : RX.ramipril5) : RX.amlodipine5, stepDay);
    } else add(first, s);
    onAceOrArb = first === RX.ramipril5;
    if (rng.chance(0.12)) add(RX.indapamide, s + rng.int(365, 1500));
    if (rng.chance(0.4)) onStatin = true;
  }
  if (has.diabetes) {
    const s = start(has.diabetes.onsetDay);
    if (conditions.diabetesType === 1) {
      add(RX.glargine, s);
      add(RX.aspart, s);
    } else {
      add(RX.metformin, s);
      if (rng.chance(0.35)) add(rng.pick([RX.gliclazide, RX.sitagliptin, RX.empagliflozin]), s + rng.int(365, 2000));
    }
    if (age >= 40 && rng.chance(0.8)) onStatin = true;
  }
  if (has.ckd) {
    const s = start(has.ckd.onsetDay);
    if (!onAceOrArb && rng.chance(0.5)) {
      add(RX.ramipril5, s);
      onAceOrArb = true;
    }
    onStatin = true;
  }
  if (has.heartFailure) {
    const s = start(has.heartFailure.onsetDay);
    add(RX.bisoprolol, s);
    onBetaBlocker = true;
    if (!onAceOrArb) add(RX.ramipril5, s);
    add(RX.furosemide, s);
    if (rng.chance(0.5)) add(RX.spironolactone, s + rng.int(30, 365));
  }
  if (has.atrialFibrillation) {
    const s = start(has.atrialFibrillation.onsetDay);
    add(RX.apixaban, s);
    if (!onBetaBlocker) add(RX.bisoprolol, s);
    onBetaBlocker = true;
  }
  if (has.ischaemicHeartDisease) {
    const s = start(has.ischaemicHeartDisease.onsetDay);
    if (!has.atrialFibrillation) add(RX.aspirin, s);
    add(RX.atorvastatin80, s);
    add(RX.gtn, s, { interval: undefined, perYear: 0.7 });
    if (!onBetaBlocker) add(RX.bisoprolol, s);
  } else if (onStatin) {
    const firstOnset = Math.min(
      has.diabetes?.onsetDay ?? Infinity,
      has.ckd?.onsetDay ?? Infinity,
      has.hypertension?.onsetDay ?? Infinity,
    );
    add(RX.atorvastatin20, start(firstOnset + rng.int(30, 700)));
  }
  if (has.asthma) {
    const s = start(has.asthma.onsetDay);
    // domain.md 6.6.3 (SABINA, NRAD): 3 or more SABA inhalers a year is over-use, 6 or more needs priority
    // review, more than 12 is associated with asthma deaths; some are prescribed SABA with no preventer.
    const sabaPerYear = rng.weighted<number>([
      [rng.int(1, 2), 50],
      [rng.int(3, 5), 30],
      [rng.int(6, 12), 13],
      [rng.int(13, 20), 7],
    ]);
    add(RX.salbutamol, s, { interval: undefined, perYear: sabaPerYear });
    if (rng.chance(0.75)) {
      if (age >= 12 && rng.chance(0.25)) add(RX.budesonideFormoterol, s, { interval: 56 });
      else add(RX.beclometasone, s, { interval: rng.pick([42, 56, 84]) });
    }
  }
  if (has.copd) {
    const s = start(has.copd.onsetDay);
    if (!has.asthma) add(RX.salbutamol, s, { interval: undefined, perYear: rng.int(2, 8) });
    add(RX.tiotropium, s);
  }
  if (has.dementia) {
    const s = start(has.dementia.onsetDay + rng.int(30, 120));
    if (rng.chance(0.6)) {
      const stepDay = s + rng.int(30, 60);
      add(RX.donepezil5, s, {
        endDay: Math.min(ctx.lastDay, stepDay - 1),
        stopped: stepDay <= ctx.lastDay,
        interval: 28,
      });
      add(RX.donepezil10, stepDay);
    } else if (rng.chance(0.5)) add(RX.memantine, s);
  }
  if (has.frailty && rng.chance(0.4)) add(RX.colecalciferol, start(has.frailty.onsetDay));
  if (has.sickleCell) {
    const s = start(has.sickleCell.onsetDay);
    if (rng.chance(0.85)) add(RX.folicAcid, s);
    // NICE CG143 and the UK sickle cell standards: penicillin prophylaxis for life for most; hydroxycarbamide
    // for frequent crises (from 9 months).
    if (!ctx.traits.penicillinAllergy && rng.chance(0.7)) add(RX.penicillinProphylaxis, s);
    if (age >= 2 && rng.chance(0.5)) add(RX.hydroxycarbamide, Math.max(s, ctx.birthDay + 2 * 365 + rng.int(0, 3000)));
  }
  if (has.smi) {
    const s = start(has.smi.onsetDay);
    const rx =
      conditions.smi === 'bipolar'
        ? rng.chance(0.5)
          ? RX.lithium
          : RX.quetiapine
        : rng.pick([RX.olanzapine, RX.aripiprazole, RX.quetiapine]);
    add(rx, s);
  }
  if (has.epilepsy) add(rng.chance(0.6) ? RX.levetiracetam : RX.lamotrigine, start(has.epilepsy.onsetDay));
  if (has.depression && rng.chance(0.7)) {
    const s = start(has.depression.onsetDay);
    const end = s + rng.int(180, 900);
    add(rng.pick([RX.sertraline, RX.sertraline, RX.citalopram, RX.mirtazapine]), s, {
      endDay: Math.min(ctx.lastDay, end),
      stopped: end < ctx.lastDay,
    });
  }
  if (has.cancer) {
    const s = start(has.cancer.onsetDay + rng.int(30, 120));
    if (conditions.cancerSite === 'breast' && rng.chance(0.7)) add(age >= 50 ? RX.letrozole : RX.tamoxifen, s);
    if (conditions.cancerSite === 'prostate' && rng.chance(0.3)) add(RX.bicalutamide, s);
  }

  for (const course of courses) addCourse(ctx, rng, course);
}

function addCourse(ctx: HistoryContext, rng: Rng, course: Course): void {
  const issues: string[] = [];
  let day = course.startDay;
  if (course.interval !== undefined) {
    while (day <= course.endDay) {
      issues.push(formatDay(day));
      day += course.interval + rng.int(-3, 7);
    }
  } else {
    const perYear = course.perYear ?? 1;
    const meanGap = 365.25 / perYear;
    while (day <= course.endDay) {
      issues.push(formatDay(day));
      day += Math.max(3, Math.round(meanGap * (0.5 + rng.next())));
    }
  }
  if (issues.length === 0) return;
  const place = ctx.orgs.gp;
  const firstDay = course.startDay;
  const event: MedicationEvent = {
    ...eventBase(ctx, rng, place, ['gp', 'pharmacist'], timeOn(rng, firstDay, 8, 18)),
    kind: 'medication',
    code: course.rx.code,
    dosageText: course.rx.dosageText,
    courseType: 'repeat',
    status: course.stopped === true ? 'stopped' : ctx.deathDay !== undefined ? 'completed' : 'active',
    issues,
    quantity: course.rx.quantity,
  };
  ctx.events.push(event);
}
