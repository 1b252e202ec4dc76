import { DMD, LOINC, SNOMED, type Coding } from '../model.ts';

/** A frozen SNOMED CT coding: shared by every event that uses it, so nobody may change it. */
export function sct(code: string, display: string): Coding {
  return Object.freeze({ system: SNOMED, code, display });
}

export function loinc(code: string, display: string): Coding {
  return Object.freeze({ system: LOINC, code, display });
}

export function dmd(code: string, display: string): Coding {
  return Object.freeze({ system: DMD, code, display });
}
