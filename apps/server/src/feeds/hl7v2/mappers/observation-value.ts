// OBX-2..OBX-8 -> Observation.value[x], referenceRange and interpretation (HL7 v2.5.1 7.4.2; HL7 tables 0125
// value type, 0078 abnormal flags). UK Core Observation-Lab: numeric results as valueQuantity with UCUM units.

import type { CodeableConcept, Observation, ObservationReferenceRange, Quantity, Range, Ratio } from '@joinedup/fhir';
import type { Hl7Field, Hl7Segment } from '../hl7-message.ts';
import { INTERPRETATION_SYSTEM } from './code-systems.ts';
import { cleanCode, cleanText, codeableConcept, firstRepetition } from './hl7-datatypes.ts';
import { dateAt, dateTimeAt } from './hl7-times.ts';
import { quantityUnit } from './units.ts';

type ObservationValue = Pick<
  Observation,
  'valueQuantity' | 'valueCodeableConcept' | 'valueString' | 'valueRange' | 'valueRatio' | 'valueDateTime' | 'valueTime'
>;

const NUMBER = String.raw`[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?`;
const NUMERIC = new RegExp(`^(<=|>=|<|>)?\\s*(${NUMBER})$`);
const RANGE = new RegExp(`^(${NUMBER})\\s*-\\s*(${NUMBER})$`);
const UPPER = new RegExp(`^(<=|<|≤)\\s*(${NUMBER})$`);
const LOWER = new RegExp(`^(>=|>|≥)\\s*(${NUMBER})$`);

/** A decimal FHIR can hold (a finite JSON number), or undefined. */
function toDecimal(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The value type OBX-2 gives; when it is empty (as Simulated Hospital sends some), NM if the value is a number. */
export function valueTypeOf(obx: Hl7Segment): string {
  const declared = obx.get(2).trim().toUpperCase();
  if (declared !== '') return declared;
  return NUMERIC.test(obx.get(5).trim()) ? 'NM' : 'ST';
}

/**
 * OBX-5 as lines of text, one per repetition (a text result may repeat, HL7 v2.5.1 7.4.2.5). A component
 * separator in a text value is the sender's text, not structure (ST, TX and FT have no components), so the
 * components are joined back with it.
 */
export function obxTextLines(obx: Hl7Segment, componentSeparator: string): string[] {
  return obx.repetitions(5).map((r) => {
    const components: string[] = [];
    for (let c = 1; c <= r.componentCount; c++) components.push(r.get(c));
    return components.join(componentSeparator);
  });
}

function quantity(value: number, units: Hl7Field | undefined, comparator?: string): Quantity {
  const c =
    comparator === '<' || comparator === '<=' || comparator === '>' || comparator === '>=' ? comparator : undefined;
  return { value, ...(c === undefined ? {} : { comparator: c }), ...quantityUnit(units) };
}

/**
 * OBX-5 by OBX-2. NM (a number, with a leading comparator as some laboratories send `<15`) -> valueQuantity;
 * SN -> valueQuantity (with comparator), valueRange (`^1^-^5`) or valueRatio (`^1^:^128`); CE/CWE/CNE ->
 * valueCodeableConcept; ST/TX/FT -> valueString; DT, TS/DTM -> valueDateTime; TM -> valueTime. A value that does
 * not fit its type (an NM that is not a number) and the types we do not model are kept as valueString: a result
 * is never dropped for its form. ED is not a value: see oru.mapper.ts.
 */
export function observationValue(
  obx: Hl7Segment,
  senderOds: string,
  timeZone: string,
  componentSeparator: string,
): ObservationValue {
  const type = valueTypeOf(obx);
  const units = firstRepetition(obx, 6);
  const raw = obx.get(5).trim();
  if (raw === '' && obx.repetitions(5).length === 0) return {};
  switch (type) {
    case 'NM': {
      const m = NUMERIC.exec(raw);
      const value = m ? toDecimal(m[2]!) : undefined;
      if (m && value !== undefined) return { valueQuantity: quantity(value, units, m[1]) };
      break;
    }
    case 'SN':
      return structuredNumeric(firstRepetition(obx, 5), units) ?? stringValue(obx, componentSeparator);
    case 'CE':
    case 'CWE':
    case 'CNE':
    case 'CF': {
      const concept = codeableConcept(firstRepetition(obx, 5), senderOds);
      return concept ? { valueCodeableConcept: concept } : {};
    }
    case 'DT': {
      const date = dateAt(obx, 5);
      return date === undefined ? {} : { valueDateTime: date };
    }
    case 'TS':
    case 'DTM': {
      const dateTime = dateTimeAt(obx, 5, timeZone);
      return dateTime === undefined ? {} : { valueDateTime: dateTime };
    }
    case 'TM': {
      const t = /^([01][0-9]|2[0-3])([0-5][0-9])?([0-5][0-9])?$/.exec(raw);
      if (t) return { valueTime: `${t[1]}:${t[2] ?? '00'}:${t[3] ?? '00'}` };
      break;
    }
    default:
      break;
  }
  return stringValue(obx, componentSeparator);
}

function stringValue(obx: Hl7Segment, componentSeparator: string): ObservationValue {
  const text = cleanText(obxTextLines(obx, componentSeparator).join('\n'));
  return text === undefined ? {} : { valueString: text };
}

/** SN (HL7 v2.5.1 2A.71): comparator ^ num1 ^ separator/suffix ^ num2. */
function structuredNumeric(sn: Hl7Field | undefined, units: Hl7Field | undefined): ObservationValue | undefined {
  if (sn === undefined) return undefined;
  const comparator = sn.get(1).trim();
  const first = toDecimal(sn.get(2).trim());
  const separator = sn.get(3).trim();
  const secondText = sn.get(4).trim();
  const second = secondText === '' ? undefined : toDecimal(secondText);
  if (first === undefined || sn.get(2).trim() === '') return undefined;
  if (separator === '' && secondText === '') {
    if (comparator === '<>') return undefined;
    return { valueQuantity: quantity(first, units, comparator) };
  }
  if (second === undefined || comparator !== '') return undefined;
  if (separator === '-') {
    const range: Range = { low: simpleQuantity(first, units), high: simpleQuantity(second, units) };
    return { valueRange: range };
  }
  if (separator === ':' || separator === '/') {
    const ratio: Ratio = { numerator: { value: first }, denominator: { value: second } };
    return { valueRatio: ratio };
  }
  return undefined;
}

function simpleQuantity(value: number, units: Hl7Field | undefined): Quantity {
  return { value, ...quantityUnit(units) };
}

/**
 * OBX-7 (references range, ST): `low-high` (spaces allowed), `<x` / `<=x` (a high limit), `>x` / `>=x` (a low
 * limit), optionally in square brackets as some laboratories send it. Any other text is kept as `text`; the
 * original is kept as text when a limit is exclusive (FHIR low and high are inclusive).
 */
export function referenceRange(obx: Hl7Segment): ObservationReferenceRange | undefined {
  const original = cleanText(obx.get(7));
  if (original === undefined) return undefined;
  const inner = original
    .replace(/^\[\s*/, '')
    .replace(/\s*\]$/, '')
    .trim();
  if (inner === '') return undefined;
  const units = firstRepetition(obx, 6);
  const range = RANGE.exec(inner);
  if (range) {
    const low = toDecimal(range[1]!);
    const high = toDecimal(range[2]!);
    if (low !== undefined && high !== undefined) {
      return { low: simpleQuantity(low, units), high: simpleQuantity(high, units) };
    }
  }
  const upper = UPPER.exec(inner);
  const upperValue = upper ? toDecimal(upper[2]!) : undefined;
  if (upper && upperValue !== undefined) {
    return { high: simpleQuantity(upperValue, units), ...(upper[1] === '<' ? { text: inner } : {}) };
  }
  const lower = LOWER.exec(inner);
  const lowerValue = lower ? toDecimal(lower[2]!) : undefined;
  if (lower && lowerValue !== undefined) {
    return { low: simpleQuantity(lowerValue, units), ...(lower[1] === '>' ? { text: inner } : {}) };
  }
  return { text: inner };
}

/** HL7 table 0078 (abnormal flags) to v3 ObservationInterpretation (the codes are shared). */
const INTERPRETATION: Record<string, string> = {
  L: 'Low',
  H: 'High',
  LL: 'Critical low',
  HH: 'Critical high',
  '<': 'Off scale low',
  '>': 'Off scale high',
  N: 'Normal',
  A: 'Abnormal',
  AA: 'Critical abnormal',
  U: 'Significant change up',
  D: 'Significant change down',
  B: 'Better',
  W: 'Worse',
  S: 'Susceptible',
  R: 'Resistant',
  I: 'Intermediate',
  MS: 'moderately susceptible',
  VS: 'very susceptible',
  POS: 'Positive',
  NEG: 'Negative',
  IND: 'Indeterminate',
  DET: 'Detected',
  ND: 'Not detected',
};

/** OBX-8 (repeating). A flag v3 does not have is kept as text, never dropped. */
export function interpretation(obx: Hl7Segment): CodeableConcept[] {
  const out: CodeableConcept[] = [];
  for (const rep of obx.repetitions(8)) {
    const code = cleanCode(rep.get(1));
    if (code === undefined) continue;
    const display = INTERPRETATION[code.toUpperCase()];
    out.push(
      display === undefined
        ? { text: code }
        : { coding: [{ system: INTERPRETATION_SYSTEM, code: code.toUpperCase(), display }] },
    );
  }
  return out;
}

/** HL7 table 0085 (observation result status, OBX-11) to Observation.status. */
export function observationStatus(obx: Hl7Segment, fallback: Observation['status']): Observation['status'] {
  switch (obx.get(11).trim().toUpperCase()) {
    case 'F':
    case 'U':
      return 'final';
    case 'P':
    case 'R':
    case 'S':
      return 'preliminary';
    case 'C':
      return 'corrected';
    case 'D':
    case 'W':
      return 'entered-in-error';
    case 'X':
    case 'N':
      return 'cancelled';
    case 'I':
    case 'O':
      return 'registered';
    default:
      return fallback;
  }
}
