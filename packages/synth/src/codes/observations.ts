import { loinc } from './coding.ts';

/** Laboratory results in the units UK laboratories report (SI: mmol/L, umol/L, g/L, mmol/mol). */
export const labs = {
  sodium: loinc('2951-2', 'Sodium [Moles/volume] in Serum or Plasma'),
  potassium: loinc('2823-3', 'Potassium [Moles/volume] in Serum or Plasma'),
  urea: loinc('22664-7', 'Urea [Moles/volume] in Serum or Plasma'),
  creatinine: loinc('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma'),
  egfr: loinc(
    '62238-1',
    'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)',
  ),
  haemoglobin: loinc('718-7', 'Hemoglobin [Mass/volume] in Blood'),
  whiteCellCount: loinc('6690-2', 'Leukocytes [#/volume] in Blood by Automated count'),
  platelets: loinc('777-3', 'Platelets [#/volume] in Blood by Automated count'),
  hba1c: loinc('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol'),
  totalCholesterol: loinc('14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma'),
  hdlCholesterol: loinc('14646-4', 'Cholesterol in HDL [Moles/volume] in Serum or Plasma'),
  ldlCholesterol: loinc('39469-2', 'Cholesterol in LDL [Moles/volume] in Serum or Plasma by calculation'),
  triglycerides: loinc('14927-8', 'Triglyceride [Moles/volume] in Serum or Plasma'),
} as const;

/** The panels results are reported in (the lab-report code). */
export const labPanels = {
  ureaAndElectrolytes: loinc('24362-6', 'Renal function 2000 panel - Serum or Plasma'),
  fullBloodCount: loinc('58410-2', 'CBC panel - Blood by Automated count'),
  hba1c: loinc('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol'),
  lipids: loinc('24331-1', 'Lipid 1996 panel - Serum or Plasma'),
} as const;

/** Vital signs (the FHIR R4 vital-signs profile codes, which UK Core uses). */
export const vitals = {
  bloodPressure: loinc('85354-9', 'Blood pressure panel with all children optional'),
  systolic: loinc('8480-6', 'Systolic blood pressure'),
  diastolic: loinc('8462-4', 'Diastolic blood pressure'),
  heartRate: loinc('8867-4', 'Heart rate'),
  respiratoryRate: loinc('9279-1', 'Respiratory rate'),
  oxygenSaturation: loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
  bodyTemperature: loinc('8310-5', 'Body temperature'),
  bodyWeight: loinc('29463-7', 'Body weight'),
  bodyHeight: loinc('8302-2', 'Body height'),
  bmi: loinc('39156-5', 'Body mass index (BMI) [Ratio]'),
} as const;
