import { documentTypes } from '../codes/index.ts';
import type { Coding, DocumentEvent, EncounterEvent, MedicationEvent, StaffMember } from '../model.ts';
import type { Rng } from '../random.ts';
import { type HistoryContext, eventBase } from './context.ts';
import { formatDay, parseDay } from './dates.ts';
import type { Place } from './organisations.ts';

function staffName(member: StaffMember | undefined): string {
  if (!member) return 'the responsible clinician';
  const prefix = member.name.prefix ?? (member.profession === 'nurse' ? '' : 'Dr');
  return `${prefix ? `${prefix} ` : ''}${member.name.given[0] ?? ''} ${member.name.family}`.trim();
}

function patientLines(ctx: HistoryContext): string {
  const p = ctx.person;
  const name = `${p.name.given.join(' ')} ${p.name.family}`;
  return `Patient: ${name}\nDate of birth: ${p.birthDate}\nNHS number: ${p.nhsNumber ?? 'not known'}`;
}

function conditionList(ctx: HistoryContext, day: number): string {
  const items: string[] = [];
  for (const c of ctx.conditions.list) if (c.onsetDay <= day) items.push(`- ${c.code.display}`);
  return items.length > 0 ? items.join('\n') : '- None recorded';
}

function currentMedicines(ctx: HistoryContext, day: string): string {
  const items: string[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'medication' || e.courseType !== 'repeat') continue;
    const first = e.issues[0];
    const last = e.issues[e.issues.length - 1];
    if (first !== undefined && last !== undefined && first <= day && (e.status === 'active' || last >= day)) {
      items.push(`- ${e.code.display}: ${e.dosageText}`);
    }
  }
  return items.length > 0 ? items.join('\n') : '- None';
}

function allergyLine(ctx: HistoryContext): string {
  const items: string[] = [];
  for (const e of ctx.events)
    if (e.kind === 'allergy') items.push(`${e.code.display} (${e.reaction?.display ?? 'reaction not recorded'})`);
  return items.length > 0 ? items.join('; ') : 'No known allergies';
}

const DESTINATION_TEXT: Record<NonNullable<EncounterEvent['dischargeDestination']>, string> = {
  home: 'Usual place of residence',
  'care-home': 'Care home',
  hospice: 'Hospice',
  died: 'Patient died in hospital',
  'other-hospital': 'Transferred to another hospital',
};

/** A discharge summary with PRSB eDischarge-style headings, written when the stay ends. */
export function addDischargeSummary(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  stay: EncounterEvent,
  endMs: number,
  started: MedicationEvent | undefined,
  followUp: string,
): void {
  const author = stay.performer !== undefined ? ctx.index.staffById.get(stay.performer) : undefined;
  const admitted = stay.at.slice(0, 10);
  const discharged = stay.end?.slice(0, 10) ?? formatDay(Math.floor(endMs / 86_400_000));
  const destination = stay.dischargeDestination ?? 'home';
  const died = destination === 'died';
  const reason = stay.reason?.display ?? 'Planned procedure';
  const lengthOfStay = parseDay(discharged) - parseDay(admitted);
  const text = [
    'DISCHARGE SUMMARY',
    patientLines(ctx),
    `Hospital: ${place.site?.name ?? place.org.name}, ${place.org.name}`,
    `GP practice: ${ctx.orgs.gp.org.name} (${ctx.orgs.gp.org.odsCode})`,
    '',
    'Admission details',
    `Admitted: ${admitted} (${stay.location ?? 'ward'})`,
    `${died ? 'Date of death' : 'Discharged'}: ${discharged} after ${lengthOfStay} day(s)`,
    `Discharge destination: ${DESTINATION_TEXT[destination]}`,
    '',
    'Diagnoses',
    `- Primary: ${reason}`,
    'Comorbidities:',
    conditionList(ctx, parseDay(discharged)),
    '',
    'Clinical summary',
    died
      ? `Admitted with ${reason.toLowerCase()}. Despite treatment the patient deteriorated; care was focused on comfort, and the patient died peacefully on ${discharged}. The family were present or informed.`
      : `Admitted with ${reason.toLowerCase()}. Treated on the ward and improved; observations stable and mobilising at baseline before discharge.`,
    '',
    'Medications',
    `Changes: ${started ? `STARTED ${started.code.display} (${started.dosageText})` : 'No changes to regular medicines'}`,
    'Medicines on discharge:',
    died ? '- Not applicable' : currentMedicines(ctx, discharged),
    '',
    `Allergies and adverse reactions: ${allergyLine(ctx)}`,
    '',
    'Follow-up and actions for GP',
    died
      ? '- Medical certificate of cause of death issued by the hospital team. No GP action required.'
      : `- ${followUp}`,
    '',
    `Completed by: ${staffName(author)}, ${place.org.name}`,
  ].join('\n');
  const doc: DocumentEvent = {
    ...eventBase(ctx, rng, place, [], endMs, stay.id),
    kind: 'document',
    type: documentTypes.dischargeSummary,
    title: died ? `Discharge summary (death) ${discharged}` : `Discharge summary ${discharged}`,
    text,
  };
  if (stay.performer !== undefined) doc.performer = stay.performer;
  ctx.events.push(doc);
}

/** A clinic letter from the consultant to the GP after an outpatient attendance. */
export function addClinicLetter(
  ctx: HistoryContext,
  rng: Rng,
  place: Place,
  clinic: EncounterEvent,
  specialty: Coding,
  atMs: number,
  findings: string,
  plan: string,
): void {
  const author = clinic.performer !== undefined ? ctx.index.staffById.get(clinic.performer) : undefined;
  const gpName = staffName(
    ctx.index.staffById.get(
      ctx.events.find((e) => e.odsCode === ctx.orgs.gp.org.odsCode && e.performer)?.performer ?? '',
    ),
  );
  const clinicDate = clinic.at.slice(0, 10);
  const text = [
    `${place.org.name}`,
    `${specialty.display} clinic, ${place.site?.name ?? place.org.name}`,
    `Clinic date: ${clinicDate}`,
    '',
    `Dear ${gpName === 'the responsible clinician' ? 'Doctor' : gpName},`,
    '',
    patientLines(ctx),
    '',
    'Diagnoses:',
    conditionList(ctx, parseDay(clinicDate)),
    '',
    `I saw your patient today in the ${specialty.display.toLowerCase()} clinic. ${findings}`,
    '',
    `Plan: ${plan}`,
    '',
    'Yours sincerely,',
    '',
    `${staffName(author)}`,
    `Consultant, ${specialty.display}`,
  ].join('\n');
  const doc: DocumentEvent = {
    ...eventBase(ctx, rng, place, [], atMs, clinic.id),
    kind: 'document',
    type: documentTypes.clinicLetter,
    title: `${specialty.display} clinic letter ${clinicDate}`,
    text,
  };
  if (clinic.performer !== undefined) doc.performer = clinic.performer;
  ctx.events.push(doc);
}
