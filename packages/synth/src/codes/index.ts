/**
 * The bundled subset of SNOMED CT, LOINC and dm+d codes the generator uses, grouped by what they are for
 * (codes/README.md lists each code, its use and how sure we are of it).
 */
export {
  allergens,
  conditions,
  consciousness,
  documentTypes,
  immunisationStatusReasons,
  news2,
  procedures,
  reactions,
  reasons,
  referrals,
  specialties,
} from './clinical.ts';
export { labPanels, labs, vitals } from './observations.ts';
export { medicines } from './medicines.ts';
export { vaccines } from './vaccines.ts';
export { dmd, loinc, sct } from './coding.ts';
export { isValidLoincCode, isValidSctId } from './check-digits.ts';
