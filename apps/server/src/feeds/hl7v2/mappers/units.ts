// OBX-6 units to a FHIR Quantity's unit, system and code. UK Core Observation-Lab: a quantitative result SHOULD
// carry a UCUM unit (https://ucum.org). We write a UCUM code only when the sender says UCUM (OBX-6.3), or the unit
// is one we know: a common UCUM code written as it is, or a known non-UCUM spelling with its UCUM equivalent.

import type { Quantity } from '@joinedup/fhir';
import type { Hl7Field } from '../hl7-message.ts';
import { UCUM_SYSTEM } from './code-systems.ts';
import { cleanCode, cleanText } from './hl7-datatypes.ts';

/** UCUM codes seen in UK laboratory and observation feeds, written exactly as UCUM spells them. */
const UCUM_CODES = new Set([
  '%',
  '/min',
  '10*9/L',
  '10*12/L',
  '10*6/L',
  'Cel',
  'L/min',
  'U/L',
  '[IU]/L',
  '[IU]/mL',
  'fL',
  'g',
  'g/L',
  'g/dL',
  'h',
  'kPa',
  'kg',
  'kg/m2',
  'cm',
  'm',
  'mL',
  'mL/min',
  'mL/min/{1.73_m2}',
  'mg/L',
  'mg/dL',
  'mg/mmol',
  'mm/h',
  'mm[Hg]',
  'mmol/L',
  'mmol/mol',
  'mol/L',
  'nmol/L',
  'ng/L',
  'ng/mL',
  'pg',
  'pmol/L',
  's',
  'ug/L',
  'umol/L',
  'mU/L',
  'mosm/kg',
  'ratio',
  '{ratio}',
  '{score}',
  '{beats}/min',
]);

/**
 * Spellings that are not UCUM, with the UCUM code they mean: the Simulated Hospital laboratory's (UMOLL,
 * MMOLL, PERCENT, MLMIN), ISO/IEEE 11073 MDC units (MDC_DIM_*), and common variants.
 */
const UCUM_BY_SPELLING = new Map<string, string>([
  ['UMOLL', 'umol/L'],
  ['UMOL/L', 'umol/L'],
  ['MMOLL', 'mmol/L'],
  ['MMOL/L', 'mmol/L'],
  ['PERCENT', '%'],
  ['MLMIN', 'mL/min'],
  ['G/L', 'g/L'],
  ['X10*9/L', '10*9/L'],
  ['X10^9/L', '10*9/L'],
  ['10^9/L', '10*9/L'],
  ['X10*12/L', '10*12/L'],
  ['X10^12/L', '10*12/L'],
  ['10^12/L', '10*12/L'],
  ['FL', 'fL'],
  ['PG', 'pg'],
  ['MMHG', 'mm[Hg]'],
  ['MM HG', 'mm[Hg]'],
  ['BPM', '/min'],
  ['DEGC', 'Cel'],
  ['MDC_DIM_PERCENT', '%'],
  ['MDC_DIM_MMHG', 'mm[Hg]'],
  ['MDC_DIM_X_L_PER_MIN', 'L/min'],
  ['MDC_DIM_DEGC', 'Cel'],
  ['MDC_DIM_BEAT_PER_MIN', '/min'],
  ['MDC_DIM_RESP_PER_MIN', '/min'],
  ['MDC_DIM_KILO_G', 'kg'],
  ['MDC_DIM_CENTI_M', 'cm'],
]);

/** The unit part of a Quantity (unit, system, code), from OBX-6 (CE: code ^ text ^ coding system). */
export function quantityUnit(units: Hl7Field | undefined): Pick<Quantity, 'unit' | 'system' | 'code'> {
  if (units === undefined) return {};
  const code = cleanCode(units.get(1));
  const text = cleanText(units.get(2));
  const declared = units.get(3).trim().toUpperCase();
  const unit = text ?? code;
  if (code === undefined) return unit === undefined ? {} : { unit };
  const ucum = declared === 'UCUM' || UCUM_CODES.has(code) ? code : UCUM_BY_SPELLING.get(code.toUpperCase());
  if (ucum === undefined) return { unit: unit ?? code };
  return { unit: text ?? ucum, system: UCUM_SYSTEM, code: ucum };
}
