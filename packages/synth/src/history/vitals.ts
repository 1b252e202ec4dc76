import { consciousness, news2, vitals } from '../codes/index.ts';
import type { Coding, ObservationEvent, StaffProfession } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase } from './context.ts';
import type { Place } from './organisations.ts';

function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

function quantity(value: number, unit: string, code: string): { value: number; unit: string; code: string } {
  return { value, unit, code };
}

/** One clinic blood pressure reading from the person's usual level, never outside what a cuff can show. */
export function addBloodPressure(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  atMs: number,
  encounterId?: string,
  shift = 0,
): ObservationEvent {
  const t = ctx.traits;
  const diastolic = Math.round(clamp(t.diastolic + rng.normal(shift / 2, 4), 45, 135));
  const systolic = Math.round(clamp(t.systolic + rng.normal(shift, 6), Math.max(75, diastolic + 20), 235));
  const bp: ObservationEvent = {
    ...eventBase(ctx, rng, place, professions, atMs, encounterId),
    kind: 'observation',
    category: 'vital-signs',
    code: vitals.bloodPressure,
    components: [
      { code: vitals.systolic, value: quantity(systolic, 'mmHg', 'mm[Hg]') },
      { code: vitals.diastolic, value: quantity(diastolic, 'mmHg', 'mm[Hg]') },
    ],
  };
  // domain.md 6.6.2 (NICE NG136): a clinic reading of 140/90 or more is raised.
  bp.interpretation = systolic >= 140 || diastolic >= 90 ? 'H' : systolic < 90 ? 'L' : 'N';
  ctx.events.push(bp);
  return bp;
}

export function addHeartRate(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  atMs: number,
  encounterId?: string,
): void {
  const rate = Math.round(clamp(ctx.traits.heartRate + rng.normal(0, 5), 40, 180));
  ctx.events.push({
    ...eventBase(ctx, rng, place, professions, atMs, encounterId),
    kind: 'observation',
    category: 'vital-signs',
    code: vitals.heartRate,
    value: quantity(rate, 'beats/minute', '/min'),
  });
}

/** Weight and BMI, from the person's height and usual BMI (adults). */
export function addWeightAndBmi(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  atMs: number,
  encounterId?: string,
): void {
  const bmi = clamp(ctx.traits.bmi + rng.normal(0, 0.6), 14, 60);
  const h = ctx.traits.heightM;
  const weight = Math.round(bmi * h * h * 10) / 10;
  ctx.events.push({
    ...eventBase(ctx, rng, place, professions, atMs, encounterId),
    kind: 'observation',
    category: 'vital-signs',
    code: vitals.bodyWeight,
    value: quantity(weight, 'kg', 'kg'),
  });
  ctx.events.push({
    ...eventBase(ctx, rng, place, professions, atMs, encounterId),
    kind: 'observation',
    category: 'vital-signs',
    code: vitals.bmi,
    value: quantity(Math.round((weight / (h * h)) * 10) / 10, 'kg/m2', 'kg/m2'),
  });
}

export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U';

export interface News2Parameters {
  respirationRate: number;
  spo2: number;
  onOxygen: boolean;
  systolic: number;
  pulse: number;
  consciousness: Acvpu;
  temperature: number;
}

/** NEWS2 aggregate score, SpO2 scale 1 (domain.md 5.3, RCP 2017). */
export function news2Score(p: News2Parameters): number {
  let score = 0;
  const rr = p.respirationRate;
  score += rr <= 8 ? 3 : rr <= 11 ? 1 : rr <= 20 ? 0 : rr <= 24 ? 2 : 3;
  const s = p.spo2;
  score += s <= 91 ? 3 : s <= 93 ? 2 : s <= 95 ? 1 : 0;
  score += p.onOxygen ? 2 : 0;
  const sbp = p.systolic;
  score += sbp <= 90 ? 3 : sbp <= 100 ? 2 : sbp <= 110 ? 1 : sbp <= 219 ? 0 : 3;
  const hr = p.pulse;
  score += hr <= 40 ? 3 : hr <= 50 ? 1 : hr <= 90 ? 0 : hr <= 110 ? 1 : hr <= 130 ? 2 : 3;
  score += p.consciousness === 'A' ? 0 : 3;
  const t = p.temperature;
  score += t <= 35 ? 3 : t <= 36 ? 1 : t <= 38 ? 0 : t <= 39 ? 1 : 2;
  return score;
}

const ACVPU_CODES: Record<Acvpu, Coding> = {
  A: consciousness.alert,
  C: consciousness.newConfusion,
  V: consciousness.voice,
  P: consciousness.pain,
  U: consciousness.unresponsive,
};

/**
 * A full NEWS2 observation set (the six parameters and the total) for an unwell person; `illness` 0 (well) to 1
 * (critically ill) moves every parameter towards the abnormal. Returns the total.
 */
export function addNews2Set(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  professions: readonly StaffProfession[],
  atMs: number,
  encounterId: string,
  illness: number,
): number {
  const copd = ctx.conditions.has.copd !== undefined;
  const p: News2Parameters = {
    respirationRate: Math.round(clamp(rng.normal(16 + 10 * illness, 2.5), 6, 45)),
    spo2: Math.round(clamp(rng.normal(98 - 7 * illness - (copd ? 3 : 0), 1.5), 70, 100)),
    onOxygen: illness > 0.5 && rng.chance(illness),
    systolic: Math.round(clamp(ctx.traits.systolic + rng.normal(-25 * illness, 10), 70, 230)),
    pulse: Math.round(clamp(ctx.traits.heartRate + rng.normal(30 * illness, 8), 35, 180)),
    consciousness: illness > 0.6 && rng.chance(illness - 0.4) ? rng.pick<Acvpu>(['C', 'V', 'P']) : 'A',
    temperature: Math.round(clamp(rng.normal(37 + 1.5 * illness * (rng.chance(0.5) ? 1 : 0), 0.4), 34, 41.5) * 10) / 10,
  };
  const total = news2Score(p);
  const base = (): ReturnType<typeof eventBase> => eventBase(ctx, rng, place, professions, atMs, encounterId);
  const vital = (code: Coding, value: number, unit: string, ucum: string): ObservationEvent => ({
    ...base(),
    kind: 'observation',
    category: 'vital-signs',
    code,
    value: quantity(value, unit, ucum),
  });
  ctx.events.push(
    vital(vitals.respiratoryRate, p.respirationRate, 'breaths/minute', '/min'),
    vital(vitals.oxygenSaturation, p.spo2, '%', '%'),
    {
      ...base(),
      kind: 'observation',
      category: 'vital-signs',
      code: vitals.bloodPressure,
      components: [
        { code: vitals.systolic, value: quantity(p.systolic, 'mmHg', 'mm[Hg]') },
        {
          code: vitals.diastolic,
          value: quantity(Math.round(clamp(p.systolic * 0.62, 40, p.systolic - 15)), 'mmHg', 'mm[Hg]'),
        },
      ],
    },
    vital(vitals.heartRate, p.pulse, 'beats/minute', '/min'),
    {
      ...base(),
      kind: 'observation',
      category: 'survey',
      code: consciousness.acvpu,
      value: ACVPU_CODES[p.consciousness],
    },
    vital(vitals.bodyTemperature, p.temperature, '°C', 'Cel'),
    {
      ...base(),
      kind: 'observation',
      category: 'survey',
      code: news2.total,
      value: quantity(total, 'score', '{score}'),
      note: p.onOxygen ? 'On supplemental oxygen (SpO2 scale 1).' : 'On air (SpO2 scale 1).',
    },
  );
  return total;
}
