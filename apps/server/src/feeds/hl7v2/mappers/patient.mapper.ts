// PID -> UK Core Patient, and the patient identity (MRN -> Patient id) that every message of a source uses.

import type { Address, ContactPoint, Extension, HumanName, Identifier, Patient } from '@joinedup/fhir';
import type { Hl7Field, Hl7Segment } from '../hl7-message.ts';
import {
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_SYSTEM,
  NHS_NUMBER_VERIFICATION_URL,
  UK_CORE_PROFILE,
  localIdentifierSystem,
} from './code-systems.ts';
import type { UpsertOperation } from './feed-operation.ts';
import { address, cleanCode, contactPoint, humanName, organizationReference } from './hl7-datatypes.ts';
import { dateAt, dateTimeAt } from './hl7-times.ts';
import { requiredField } from './map-error.ts';
import type { MapScope } from './map-scope.ts';
import { sourceEventTime } from './map-scope.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '@joinedup/fhir';
import { patientResourceId } from './resource-ids.ts';

/** A source's patient: the MRN that names it and the Patient id that follows from it. */
export interface PatientIdentity {
  id: string;
  mrn: string;
  /** PID-3.4 (namespace id, else universal id): '' when the sender names none. */
  authority: string;
  identifier: Identifier;
}

/** The NHS number's OID (HL7 UK), as an assigning authority's universal id. */
const NHS_NUMBER_OID = '2.16.840.1.113883.2.1.4.1';
/** CX-5 identifier types and CX-4 namespaces that mark an NHS number (HL7 table 0203 NH; local spellings). */
const NHS_TYPES = new Set(['NH', 'NHS', 'NHSNMBR', 'NHSNBR']);
/** CX-5 types of a hospital's own number, in order of preference: medical record number, patient internal id. */
const MRN_TYPES = ['MR', 'MRN', 'PI'];

/** HL7 table 0001 (administrative sex) to FHIR administrative-gender. */
const GENDER: Record<string, Patient['gender']> = {
  M: 'male',
  F: 'female',
  O: 'other',
  A: 'other',
  U: 'unknown',
  N: 'unknown',
};

/** UK Core NHSNumberVerificationStatusEngland (domain.md 1.1). */
const VERIFICATION_STATUS: Record<string, string> = {
  '01': 'Number present and verified',
  '02': 'Number present but not traced',
  '03': 'Trace required',
  '04': 'Trace attempted - No match or multiple match found',
  '05': 'Trace needs to be resolved - (NHS number or patient detail conflict)',
  '06': 'Trace in progress',
  '07': 'Number not present and trace not required',
  '08': 'Trace postponed (baby under six weeks old)',
};

function isNhsNumberRepetition(rep: Hl7Field): boolean {
  return (
    NHS_TYPES.has(rep.get(5).trim().toUpperCase()) ||
    NHS_TYPES.has(rep.get(4, 1).trim().toUpperCase()) ||
    rep.get(4, 2).trim() === NHS_NUMBER_OID
  );
}

/**
 * The MRN among a CX list (PID-3, MRG-1): the repetition typed MR, else MRN, else PI, else the first that is
 * not an NHS number. Identifier system: the assigning authority's URI when CX-4 gives one (universal id of type
 * URI, or an http(s)/urn value); the sender's MRN space when CX-4 is empty or is the sender's ODS code; otherwise
 * a space of that authority within the sender's (`.../Id/{ODS}/mrn/{authority}`).
 */
export function patientIdentity(segment: Hl7Segment, field: number, senderOds: string): PatientIdentity {
  const reps = segment.repetitions(field).filter((r) => cleanCode(r.get(1)) !== undefined);
  const candidates = reps.filter((r) => !isNhsNumberRepetition(r));
  let chosen: Hl7Field | undefined;
  for (const type of MRN_TYPES) {
    chosen = candidates.find((r) => r.get(5).trim().toUpperCase() === type);
    if (chosen) break;
  }
  chosen ??= candidates[0];
  if (chosen === undefined) throw requiredField(segment, field, 'a patient identifier other than the NHS number');
  const mrn = cleanCode(chosen.get(1))!;
  const namespace = cleanCode(chosen.get(4, 1)) ?? '';
  const universalId = cleanCode(chosen.get(4, 2)) ?? '';
  const universalType = chosen.get(4, 3).trim().toUpperCase();
  const authority = namespace !== '' ? namespace : universalId;
  let system: string;
  if (universalId !== '' && (universalType === 'URI' || /^(https?:\/\/|urn:)\S+$/.test(universalId))) {
    system = universalId;
  } else if (universalId !== '' && universalType === 'ISO' && /^[0-2](\.(0|[1-9][0-9]*))+$/.test(universalId)) {
    system = `urn:oid:${universalId}`;
  } else if (authority === '' || authority === senderOds) {
    system = localIdentifierSystem(senderOds, 'mrn');
  } else {
    system = localIdentifierSystem(senderOds, `mrn/${encodeURIComponent(authority)}`);
  }
  return {
    id: patientResourceId(senderOds, mrn, authority),
    mrn,
    authority,
    identifier: {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system,
      value: mrn,
    },
  };
}

/**
 * The NHS number: the first repetition marked as one whose value passes Modulus 11 (domain.md 1.1); one that
 * fails is not recorded. PID-32 (identity reliability code, which NHS England's v2 interfaces use for the NHS
 * number status indicator) gives UK Core's verification status when it holds one of its codes 01-08.
 */
function nhsNumberIdentifier(pid: Hl7Segment): Identifier | undefined {
  for (const rep of pid.repetitions(3)) {
    if (!isNhsNumberRepetition(rep)) continue;
    const value = normaliseNhsNumber(rep.get(1));
    if (value === undefined || !isValidNhsNumber(value)) continue;
    const status = pid.get(32).trim();
    const display = VERIFICATION_STATUS[status];
    const extension: Extension[] =
      display === undefined
        ? []
        : [
            {
              url: NHS_NUMBER_VERIFICATION_URL,
              valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_SYSTEM, code: status, display }] },
            },
          ];
    return { ...(extension.length > 0 ? { extension } : {}), system: NHS_NUMBER_SYSTEM, value };
  }
  return undefined;
}

/** PID -> UK Core Patient (README "ADT and every message: PID"). */
export function mapPatient(pid: Hl7Segment, identity: PatientIdentity, scope: MapScope): UpsertOperation {
  const { senderOds, timeZone } = scope;
  const identifier: Identifier[] = [identity.identifier];
  const nhs = nhsNumberIdentifier(pid);
  if (nhs) identifier.push(nhs);

  const name = pid
    .repetitions(5)
    .map(humanName)
    .filter((n): n is HumanName => n !== undefined);
  const telecom = [
    ...pid.repetitions(13).map((r) => contactPoint(r, 'home')),
    ...pid.repetitions(14).map((r) => contactPoint(r, 'work')),
  ].filter((t): t is ContactPoint => t !== undefined);
  const addresses = pid
    .repetitions(11)
    .map(address)
    .filter((a): a is Address => a !== undefined);
  const gender = GENDER[pid.get(8).trim().toUpperCase()];
  const birthDate = dateAt(pid, 7);
  const deathTime = dateTimeAt(pid, 29, timeZone);
  const deathIndicator = pid.get(30).trim().toUpperCase();

  const patient: Patient = {
    resourceType: 'Patient',
    id: identity.id,
    meta: { profile: [UK_CORE_PROFILE.Patient] },
    extension: [sourceEventTime(scope)],
    identifier,
    ...(name.length > 0 ? { name } : {}),
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(gender === undefined ? {} : { gender }),
    ...(birthDate === undefined ? {} : { birthDate }),
    ...(addresses.length > 0 ? { address: addresses } : {}),
    managingOrganization: organizationReference(senderOds),
  };
  if (deathTime !== undefined) patient.deceasedDateTime = deathTime;
  else if (deathIndicator === 'Y') patient.deceasedBoolean = true;
  else if (deathIndicator === 'N') patient.deceasedBoolean = false;

  // HL7 v2.5.1 2.5.3: a field sent as "" deletes what the receiver holds; an empty field leaves it alone.
  const clear: string[] = [];
  if (name.length === 0 && pid.isNull(5)) clear.push('name');
  if (birthDate === undefined && pid.isNull(7)) clear.push('birthDate');
  if (gender === undefined && pid.isNull(8)) clear.push('gender');
  if (addresses.length === 0 && pid.isNull(11)) clear.push('address');
  if (telecom.length === 0 && (pid.isNull(13) || pid.isNull(14))) clear.push('telecom');
  if (patient.deceasedDateTime === undefined && patient.deceasedBoolean === undefined) {
    if (pid.isNull(29) || pid.isNull(30)) clear.push('deceasedDateTime', 'deceasedBoolean');
  }
  return { kind: 'upsert', resource: patient, ...(clear.length > 0 ? { clear } : {}) };
}
