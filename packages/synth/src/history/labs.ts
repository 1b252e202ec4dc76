import { labPanels, labs } from '../codes/index.ts';
import type { Coding, LabReportEvent, ObservationEvent } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase, nextId } from './context.ts';
import { DAY_MS, MINUTE_MS, formatMs } from './dates.ts';
import { type Place, pickStaff } from './organisations.ts';

export type Panel = 'ue' | 'fbc' | 'hba1c' | 'lipids';

interface Analyte {
  code: Coding;
  /** Display unit and UCUM code. */
  unit: string;
  ucum: string;
  decimals: number;
}

const MMOL: Pick<Analyte, 'unit' | 'ucum'> = { unit: 'mmol/L', ucum: 'mmol/L' };
const PER_NL: Pick<Analyte, 'unit' | 'ucum'> = { unit: '10*9/L', ucum: '10*9/L' };
const ANALYTES = {
  sodium: { code: labs.sodium, ...MMOL, decimals: 0 },
  potassium: { code: labs.potassium, ...MMOL, decimals: 1 },
  urea: { code: labs.urea, ...MMOL, decimals: 1 },
  creatinine: { code: labs.creatinine, unit: 'umol/L', ucum: 'umol/L', decimals: 0 },
  egfr: { code: labs.egfr, unit: 'mL/min/1.73m2', ucum: 'mL/min/{1.73_m2}', decimals: 0 },
  haemoglobin: { code: labs.haemoglobin, unit: 'g/L', ucum: 'g/L', decimals: 0 },
  whiteCellCount: { code: labs.whiteCellCount, ...PER_NL, decimals: 1 },
  platelets: { code: labs.platelets, ...PER_NL, decimals: 0 },
  hba1c: { code: labs.hba1c, unit: 'mmol/mol', ucum: 'mmol/mol', decimals: 0 },
  totalCholesterol: { code: labs.totalCholesterol, ...MMOL, decimals: 1 },
  hdlCholesterol: { code: labs.hdlCholesterol, ...MMOL, decimals: 1 },
  ldlCholesterol: { code: labs.ldlCholesterol, ...MMOL, decimals: 1 },
  triglycerides: { code: labs.triglycerides, ...MMOL, decimals: 1 },
} as const satisfies Record<string, Analyte>;

type AnalyteKey = keyof typeof ANALYTES;

/**
 * Adult reference ranges as UK laboratories report them (Pathology Harmony; NICE NG28 for HbA1c, NICE NG238 and
 * the JBS for lipids, NICE NG203 for eGFR: below 60 is CKD G3-G5).
 */
function rangeOf(key: AnalyteKey, isMale: boolean): { low?: number; high?: number } {
  switch (key) {
    case 'sodium':
      return { low: 133, high: 146 };
    case 'potassium':
      return { low: 3.5, high: 5.3 };
    case 'urea':
      return { low: 2.5, high: 7.8 };
    case 'creatinine':
      return isMale ? { low: 59, high: 104 } : { low: 45, high: 84 };
    case 'egfr':
      return { low: 60 };
    case 'haemoglobin':
      return isMale ? { low: 130, high: 180 } : { low: 115, high: 165 };
    case 'whiteCellCount':
      return { low: 4, high: 11 };
    case 'platelets':
      return { low: 150, high: 400 };
    case 'hba1c':
      return { low: 20, high: 41 };
    case 'totalCholesterol':
      return { high: 5 };
    case 'hdlCholesterol':
      return { low: isMale ? 1 : 1.2 };
    case 'ldlCholesterol':
      return { high: 3 };
    case 'triglycerides':
      return { high: 1.7 };
  }
}

/** A person's usual laboratory values, so that repeated tests agree with each other and with their conditions. */
export interface LabBaseline {
  egfr: number;
  hba1c: number;
  totalCholesterol: number;
  hdl: number;
  triglycerides: number;
  haemoglobin: number;
}

function clamp(x: number, low: number, high: number): number {
  return x < low ? low : x > high ? high : x;
}

export function drawLabBaseline(ctx: HistoryContext, rng: Rng): LabBaseline {
  const { conditions, age } = ctx;
  const isMale = ctx.person.sex === 'male';
  let egfr: number;
  switch (conditions.ckdStage) {
    case '3a':
      egfr = rng.int(46, 59);
      break;
    case '3b':
      egfr = rng.int(31, 44);
      break;
    case '4':
      egfr = rng.int(16, 29);
      break;
    case '5':
      egfr = rng.int(7, 14);
      break;
    case undefined:
      egfr = clamp(rng.normal(age < 40 ? 105 : 105 - 0.8 * (age - 40), 9), 62, 120);
  }
  let hba1c: number;
  if (conditions.diabetesType === 1) hba1c = clamp(rng.normal(66, 11), 45, 120);
  else if (conditions.diabetesType === 2) hba1c = clamp(rng.normal(57, 10), 42, 110);
  else if (age >= 40 && rng.chance(0.1)) hba1c = rng.int(42, 47);
  else hba1c = clamp(rng.normal(36, 3), 26, 41);
  const onStatin =
    conditions.has.ischaemicHeartDisease !== undefined ||
    conditions.has.diabetes !== undefined ||
    conditions.has.ckd !== undefined;
  const totalCholesterol = clamp(onStatin ? rng.normal(4.1, 0.7) : rng.normal(5.1, 0.9), 2.5, 9);
  const hdl = clamp(isMale ? rng.normal(1.25, 0.28) : rng.normal(1.55, 0.33), 0.6, 3);
  const triglycerides = clamp(Math.exp(rng.normal(0.3 + (conditions.diabetesType === 2 ? 0.3 : 0), 0.4)), 0.4, 8);
  let haemoglobin = isMale ? rng.normal(148, 9) : rng.normal(134, 9);
  // Sickle cell disease: baseline Hb typically 60-100 g/L (NICE CG143; UK sickle cell standards).
  if (conditions.has.sickleCell) haemoglobin = rng.normal(85, 8);
  if (conditions.ckdStage === '4' || conditions.ckdStage === '5') haemoglobin -= 18;
  return { egfr, hba1c, totalCholesterol, hdl, triglycerides, haemoglobin: clamp(haemoglobin, 60, 185) };
}

function round(x: number, decimals: number): number {
  const f = decimals === 0 ? 1 : decimals === 1 ? 10 : 100;
  return Math.round(x * f) / f;
}

const PANEL_CODES: Record<Panel, Coding> = {
  ue: labPanels.ureaAndElectrolytes,
  fbc: labPanels.fullBloodCount,
  hba1c: labPanels.hba1c,
  lipids: labPanels.lipids,
};

const PANEL_NAMES: Record<Panel, string> = {
  ue: 'Urea and electrolytes',
  fbc: 'Full blood count',
  hba1c: 'HbA1c',
  lipids: 'Lipid profile',
};

/**
 * A laboratory report and its results: the specimen is taken at `takenMs` (at the GP or on the ward), the
 * laboratory of `lab` (the local acute trust's pathology) reports it a few hours later.
 */
export function addLabReport(
  ctx: HistoryContext,
  rng: Rng,
  panel: Panel,
  takenMs: number,
  lab: Place,
  baseline: LabBaseline,
  encounterId?: string,
  unwell = false,
): void {
  const isMale = ctx.person.sex === 'male';
  const values: [AnalyteKey, number][] = [];
  switch (panel) {
    case 'ue': {
      const egfr = clamp(baseline.egfr + rng.normal(unwell ? -8 : 0, 4), 5, 120);
      const creatinine = (isMale ? 80 : 64) * Math.pow(90 / egfr, 1.1) * (1 + Math.max(0, ctx.age - 40) * 0.002);
      values.push(
        ['sodium', clamp(rng.normal(unwell ? 136 : 139, 2.3), 122, 152)],
        ['potassium', clamp(rng.normal(egfr < 30 ? 4.9 : 4.3, 0.35), 2.8, 6.8)],
        ['urea', clamp(4.8 + (90 / egfr - 1) * 3 + rng.normal(unwell ? 1.5 : 0, 1), 1.8, 45)],
        ['creatinine', clamp(creatinine * (1 + rng.normal(0, 0.04)), 30, 1200)],
        ['egfr', egfr],
      );
      break;
    }
    case 'fbc':
      values.push(
        ['haemoglobin', clamp(baseline.haemoglobin + rng.normal(unwell ? -6 : 0, 5), 50, 190)],
        ['whiteCellCount', clamp(rng.normal(unwell ? 11 : 7, unwell ? 3.5 : 1.6), 1.5, 30)],
        ['platelets', clamp(rng.normal(265, 60), 40, 750)],
      );
      break;
    case 'hba1c':
      values.push(['hba1c', clamp(baseline.hba1c + rng.normal(0, 4), 20, 150)]);
      break;
    case 'lipids': {
      const tc = clamp(baseline.totalCholesterol + rng.normal(0, 0.3), 2.2, 10);
      const hdl = clamp(baseline.hdl + rng.normal(0, 0.08), 0.5, 3.2);
      const tg = clamp(baseline.triglycerides * (1 + rng.normal(0, 0.15)), 0.3, 9);
      // Friedewald: LDL = TC - HDL - TG/2.2 (mmol/L).
      const ldl = Math.max(0.3, tc - hdl - tg / 2.2);
      values.push(['totalCholesterol', tc], ['hdlCholesterol', hdl], ['ldlCholesterol', ldl], ['triglycerides', tg]);
      break;
    }
  }

  const reportId = nextId(ctx);
  const report: LabReportEvent = {
    id: reportId,
    odsCode: lab.org.odsCode,
    at: formatMs(takenMs),
    kind: 'lab-report',
    code: PANEL_CODES[panel],
    resultIds: [],
    issued: formatMs(Math.min(takenMs + rng.int(3 * 60, 20 * 60) * MINUTE_MS, (ctx.endDay + 1) * DAY_MS - MINUTE_MS)),
    placerOrderNumber: '',
    fillerOrderNumber: '',
  };
  if (lab.site) report.siteOdsCode = lab.site.odsCode;
  const pathologist = pickStaff(ctx.index, rng, lab.org.odsCode, ['consultant']);
  if (pathologist !== undefined) report.performer = pathologist;
  if (encounterId !== undefined) report.encounterId = encounterId;
  ctx.orders++;
  const serial = orderSerial(ctx.person.index * 1000 + ctx.orders);
  report.placerOrderNumber = `PL${serial}`;
  report.fillerOrderNumber = `${report.at.slice(2, 4)}${lab.org.odsCode.slice(0, 3)}${serial}`;
  ctx.events.push(report);
  let abnormal = 0;
  for (const [key, raw] of values) {
    const analyte = ANALYTES[key];
    const value = round(raw, analyte.decimals);
    const range = rangeOf(key, isMale);
    const interpretation =
      range.low !== undefined && value < range.low ? 'L' : range.high !== undefined && value > range.high ? 'H' : 'N';
    if (interpretation !== 'N') abnormal++;
    const result: ObservationEvent = {
      ...eventBase(ctx, rng, lab, [], takenMs, encounterId),
      kind: 'observation',
      category: 'laboratory',
      code: analyte.code,
      value: { value, unit: analyte.unit, code: analyte.ucum },
      referenceRange: { ...range, unit: analyte.unit },
      interpretation,
      reportId,
    };
    report.resultIds.push(result.id);
    ctx.events.push(result);
  }
  report.conclusion =
    abnormal === 0
      ? `${PANEL_NAMES[panel]}: all results within reference range.`
      : `${PANEL_NAMES[panel]}: ${abnormal} result(s) outside reference range.`;
}

/**
 * A 10-digit order serial, unique per (person, order) but not revealing the person: an affine bijection over
 * 10^10 (the multiplier is odd and not a multiple of 5, so coprime with 10^10). A serial built from the index
 * itself would let a matcher link one person's results across laboratories without their demographics.
 */
function orderSerial(slot: number): string {
  return String((BigInt(slot) * 7_368_787_397n + 4_294_967_311n) % 10_000_000_000n).padStart(10, '0');
}
