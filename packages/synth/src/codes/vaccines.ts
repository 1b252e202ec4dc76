import { sct } from './coding.ts';

/**
 * Vaccines of the UK routine childhood schedule (domain.md 6.6.1), as the dm+d products (AMPs) UK GP systems
 * record in Immunization.vaccineCode. Codes as published in the NHS immunisation FHIR API's test data; not
 * re-checked against the dm+d browser (codes/README.md).
 */
export const vaccines = {
  sixInOne: sct(
    '34765811000001105',
    'Infanrix Hexa vaccine powder and suspension for suspension for injection 0.5ml pre-filled syringes (GlaxoSmithKline UK Ltd)',
  ),
  menB: sct(
    '23584211000001109',
    'Bexsero vaccine suspension for injection 0.5ml pre-filled syringes (GlaxoSmithKline UK Ltd)',
  ),
  rotavirus: sct('34609911000001106', 'Rotarix vaccine live oral suspension 1.5ml tube (GlaxoSmithKline UK Ltd)'),
  pcv13: sct(
    '16649411000001104',
    'Prevenar 13 vaccine suspension for injection 0.5ml pre-filled syringes (Pfizer Ltd)',
  ),
  hibMenC: sct(
    '9903711000001109',
    'Menitorix powder and solvent for solution for injection 0.5ml vials (GlaxoSmithKline UK Ltd)',
  ),
  mmr: sct(
    '13968211000001108',
    'M-M-RVAXPRO vaccine powder and solvent for suspension for injection 0.5ml pre-filled syringes (Merck Sharp & Dohme (UK) Ltd)',
  ),
  mmrv: sct(
    '45525711000001102',
    'Priorix Tetra vaccine powder and solvent for solution for injection 0.5ml pre-filled syringes (GlaxoSmithKline UK Ltd)',
  ),
  fourInOne: sct(
    '26267211000001100',
    'Boostrix-IPV suspension for injection 0.5ml pre-filled syringes (GlaxoSmithKline UK Ltd)',
  ),
} as const;
