import { sct } from './coding.ts';

/** Problem-list conditions (SNOMED CT disorders; UK preferred terms where they differ). */
export const conditions = {
  hypertension: sct('38341003', 'Hypertension'),
  type2Diabetes: sct('44054006', 'Type 2 diabetes mellitus'),
  type1Diabetes: sct('46635009', 'Type 1 diabetes mellitus'),
  asthma: sct('195967001', 'Asthma'),
  copd: sct('13645005', 'Chronic obstructive pulmonary disease'),
  ckdStage3a: sct('700378005', 'Chronic kidney disease stage 3A'),
  ckdStage3b: sct('700379002', 'Chronic kidney disease stage 3B'),
  ckdStage4: sct('431857002', 'Chronic kidney disease stage 4'),
  ckdStage5: sct('433146000', 'Chronic kidney disease stage 5'),
  heartFailure: sct('84114007', 'Heart failure'),
  atrialFibrillation: sct('49436004', 'Atrial fibrillation'),
  ischaemicHeartDisease: sct('414545008', 'Ischaemic heart disease'),
  dementia: sct('52448006', 'Dementia'),
  mildFrailty: sct('925791000000100', 'Mild frailty'),
  moderateFrailty: sct('925861000000102', 'Moderate frailty'),
  severeFrailty: sct('925831000000107', 'Severe frailty'),
  sickleCell: sct('417357006', 'Sickle cell disorder'),
  schizophrenia: sct('58214004', 'Schizophrenia'),
  bipolarDisorder: sct('13746004', 'Bipolar disorder'),
  learningDisability: sct('110359009', 'Learning disability'),
  epilepsy: sct('84757009', 'Epilepsy'),
  depression: sct('35489007', 'Depressive disorder'),
  breastCancer: sct('254837009', 'Malignant neoplasm of breast'),
  prostateCancer: sct('399068003', 'Malignant tumour of prostate'),
  lungCancer: sct('93880001', 'Primary malignant neoplasm of lung'),
  colonCancer: sct('363406005', 'Malignant tumour of colon'),
  melanoma: sct('372244006', 'Malignant melanoma'),
  /** domain.md 3.1 item 33 (SCCI1580): the code GP systems use for the palliative care register. */
  palliativeCareRegister: sct('414937009', 'On gold standards palliative care framework'),
} as const;

/** Acute diagnoses recorded for an encounter (encounter-diagnosis) and reasons for an encounter. */
export const reasons = {
  chestPain: sct('29857009', 'Chest pain'),
  breathlessness: sct('267036007', 'Dyspnoea'),
  fall: sct('1912002', 'Fall'),
  abdominalPain: sct('21522001', 'Abdominal pain'),
  fever: sct('386661006', 'Fever'),
  cough: sct('49727002', 'Cough'),
  headache: sct('25064002', 'Headache'),
  lowBackPain: sct('279039007', 'Low back pain'),
  upperRespiratoryInfection: sct('54150009', 'Upper respiratory tract infection'),
  urinaryTractInfection: sct('68566005', 'Urinary tract infectious disease'),
  soreThroat: sct('162397003', 'Pain in throat'),
  anxiety: sct('197480006', 'Anxiety disorder'),
  headInjury: sct('82271004', 'Injury of head'),
  ankleSprain: sct('44465007', 'Sprain of ankle'),
  cellulitis: sct('128045006', 'Cellulitis'),
  gastroenteritis: sct('25374005', 'Gastroenteritis'),
  bronchiolitis: sct('4120002', 'Bronchiolitis'),
  croup: sct('71186008', 'Croup'),
  syncope: sct('271594007', 'Syncope'),
  selfHarm: sct('248062006', 'Self-injurious behaviour'),
  psychosis: sct('69322001', 'Psychotic disorder'),
  rash: sct('271807003', 'Eruption of skin'),
  dizziness: sct('404640003', 'Dizziness'),
  pneumonia: sct('233604007', 'Pneumonia'),
  fracturedNeckOfFemur: sct('5913000', 'Fracture of neck of femur'),
  asthmaExacerbation: sct('281239006', 'Exacerbation of asthma'),
  copdExacerbation: sct('195951007', 'Acute exacerbation of chronic obstructive airways disease'),
  febrileConvulsion: sct('41497008', 'Febrile convulsion'),
  stroke: sct('230690007', 'Cerebrovascular accident'),
  myocardialInfarction: sct('22298006', 'Myocardial infarction'),
  cardiacArrest: sct('410429000', 'Cardiac arrest'),
  medicationReview: sct('182836005', 'Review of medication'),
  palliativeCare: sct('103735009', 'Palliative care'),
} as const;

/** Allergens as substances (UK Core AllergyIntolerance.code accepts substance concepts). */
export const allergens = {
  penicillin: sct('764146007', 'Penicillin'),
  nsaid: sct('372665008', 'Non-steroidal anti-inflammatory agent'),
  codeine: sct('387494007', 'Codeine'),
  peanut: sct('256349002', 'Peanut'),
  egg: sct('102263004', 'Eggs'),
  latex: sct('111088007', 'Latex'),
  houseDustMite: sct('260147004', 'House dust mite'),
  grassPollen: sct('256277009', 'Grass pollen'),
} as const;

export const reactions = {
  rash: sct('271807003', 'Eruption of skin'),
  urticaria: sct('126485001', 'Urticaria'),
  anaphylaxis: sct('39579001', 'Anaphylaxis'),
  angioedema: sct('41291007', 'Angioedema'),
  wheeze: sct('56018004', 'Wheezing'),
  nausea: sct('422587007', 'Nausea'),
  diarrhoea: sct('62315008', 'Diarrhoea'),
} as const;

/** Clinical specialties (SNOMED CT qualifier values) for appointments, clinics and letters. */
export const specialties = {
  cardiology: sct('394579002', 'Cardiology'),
  respiratoryMedicine: sct('418112009', 'Respiratory medicine'),
  endocrinology: sct('394583002', 'Endocrinology'),
  nephrology: sct('394589003', 'Nephrology'),
  haematology: sct('394803006', 'Clinical haematology'),
  medicalOncology: sct('394593009', 'Medical oncology'),
  psychiatry: sct('394587001', 'Psychiatry'),
  generalSurgery: sct('394609007', 'General surgery'),
  geriatricMedicine: sct('394811001', 'Geriatric medicine'),
  ophthalmology: sct('394594003', 'Ophthalmology'),
  neurology: sct('394591006', 'Neurology'),
  urology: sct('394612005', 'Urology'),
  paediatrics: sct('394537008', 'Paediatric specialty'),
  traumaAndOrthopaedics: sct('394801008', 'Trauma and orthopaedics'),
  dermatology: sct('394582007', 'Dermatology'),
  ent: sct('418960008', 'Otolaryngology'),
  gastroenterology: sct('394584008', 'Gastroenterology'),
} as const;

export const procedures = {
  chemotherapy: sct('367336001', 'Chemotherapy'),
  radiotherapy: sct('108290001', 'Radiation oncology and/or radiotherapy'),
  surgery: sct('387713003', 'Surgical procedure'),
} as const;

export const referrals = {
  patientReferral: sct('3457005', 'Patient referral'),
} as const;

/** Document types (SNOMED CT record artefacts, as the NRL and UK Core DocumentReference.type use). */
export const documentTypes = {
  dischargeSummary: sct('373942005', 'Discharge summary'),
  clinicLetter: sct('371531000', 'Report of clinical encounter'),
} as const;

/** Why an immunisation was not given (the NHS immunisation FHIR API's status reasons). */
export const immunisationStatusReasons = {
  consentNotGiven: sct('310376006', 'Immunisation consent not given'),
  contraindicated: sct('266758009', 'Immunisation contraindicated'),
} as const;

/** NEWS2 scores: domain.md 5.3 (codes from the emergency-department IG example). */
export const news2 = {
  total: sct('1104051000000101', 'Royal College of Physicians NEWS2 (National Early Warning Score 2) total score'),
  respirationRateScore: sct('1104301000000104', 'NEWS2 respiration rate score'),
  spo2Scale1Score: sct('1104311000000102', 'NEWS2 SpO2 scale 1 score'),
  airOrOxygenScore: sct('1104331000000105', 'NEWS2 air or oxygen score'),
  systolicScore: sct('1104341000000101', 'NEWS2 systolic blood pressure score'),
  pulseScore: sct('1104351000000103', 'NEWS2 pulse score'),
  consciousnessScore: sct('1104361000000100', 'NEWS2 consciousness score'),
  temperatureScore: sct('1104371000000107', 'NEWS2 temperature score'),
} as const;

/** Level of consciousness (ACVPU), the NEWS2 consciousness parameter. */
export const consciousness = {
  acvpu: sct('1104441000000107', 'ACVPU (Alert Confusion Voice Pain Unresponsive) scale score'),
  alert: sct('248234008', 'Mentally alert'),
  newConfusion: sct('130987000', 'Acute confusion'),
  voice: sct('450847001', 'Responds to voice'),
  pain: sct('450848006', 'Responds to pain'),
  unresponsive: sct('422768004', 'Unresponsive'),
} as const;
