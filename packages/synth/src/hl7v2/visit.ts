import type { EncounterEvent } from '../model.ts';
import type { FeedContext, Visit } from './feed-context.ts';
import { localEventNumber, responsibleClinician } from './feed-context.ts';
import { hl7Timestamp } from './hl7-datetime.ts';
import { DISCHARGE_DESTINATION, pv1Segment } from './segments.ts';

const DAY_MS = 86_400_000;

/**
 * PV1-2 (HL7 table 0004) for an encounter a hospital PAS records, or undefined for settings that are not a
 * hospital's (GP, ambulance, 111, social care, care home). A mental health encounter is an admission when the
 * person was detained on a ward (sections 2, 3, 4, 5(2): domain.md 4.3), moved between wards or stayed over a day;
 * otherwise it is a clinic or community contact.
 */
export function patientClass(encounter: EncounterEvent): 'I' | 'E' | 'O' | undefined {
  switch (encounter.setting) {
    case 'inpatient':
      return 'I';
    case 'emergency':
      return 'E';
    case 'outpatient':
    case 'community':
      return 'O';
    case 'mental-health': {
      const s = encounter.mhaSection;
      const detained = s === '2' || s === '3' || s === '4' || s === '5(2)';
      const long = encounter.end !== undefined && Date.parse(encounter.end) - Date.parse(encounter.at) > DAY_MS;
      return detained || long || (encounter.wardTransfers?.length ?? 0) > 0 ? 'I' : 'O';
    }
    case 'gp':
    case 'ambulance':
    case 'nhs111':
    case 'social-care':
    case 'care-home':
      return undefined;
  }
}

/** Where a visit starts when the encounter names no ward or clinic. */
const DEFAULT_LOCATION = { I: 'Admissions Unit', E: 'Emergency Department', O: 'Outpatients' } as const;

export function startLocation(encounter: EncounterEvent, cls: 'I' | 'E' | 'O'): string {
  return encounter.location ?? DEFAULT_LOCATION[cls];
}

/** The fixed parts of PV1 for an encounter, made once per encounter. */
export function visitFor(
  ctx: FeedContext,
  encounter: EncounterEvent,
  cls: 'I' | 'E' | 'O',
  aboutDuplicate: boolean,
): Visit {
  const known = ctx.visits.get(encounter.id);
  if (known) return known;
  // HL7 table 0007 admission type: E emergency, C elective, R routine.
  const emergency = cls === 'E' || ctx.emergencyAdmissions.has(encounter.id) || encounter.mhaSection !== undefined;
  const visit: Visit = {
    patientClass: cls,
    site: encounter.siteOdsCode ?? ctx.defaultSite,
    attending: responsibleClinician(ctx, encounter.performer),
    admissionType: emergency ? 'E' : cls === 'I' ? 'C' : 'R',
    visitNumber: `${localEventNumber(ctx, encounter.id, aboutDuplicate)}^^^${ctx.org.odsCode}^VN`,
    admitTs: hl7Timestamp(Date.parse(encounter.at)),
  };
  ctx.visits.set(encounter.id, visit);
  return visit;
}

/** The ward the patient was on at `ms`. */
export function wardAt(encounter: EncounterEvent, cls: 'I' | 'E' | 'O', ms: number): string {
  let ward = startLocation(encounter, cls);
  for (const t of encounter.wardTransfers ?? []) {
    if (Date.parse(t.at) > ms) break;
    ward = t.ward;
  }
  return ward;
}

/** PV1 of a visit as it stood at `ms` (ward, and discharge once it has happened): for results and documents. */
export function pv1At(
  ctx: FeedContext,
  encounter: EncounterEvent,
  ms: number,
  aboutDuplicate: boolean,
): string | undefined {
  const cls = patientClass(encounter);
  if (!cls) return undefined;
  const visit = visitFor(ctx, encounter, cls, aboutDuplicate);
  const ended = encounter.end !== undefined && Date.parse(encounter.end) <= ms;
  const disposition =
    ended && encounter.dischargeDestination ? DISCHARGE_DESTINATION[encounter.dischargeDestination] : undefined;
  return pv1Segment(
    visit,
    wardAt(encounter, cls, ms),
    undefined,
    ended && encounter.end ? hl7Timestamp(Date.parse(encounter.end)) : undefined,
    disposition,
  );
}
