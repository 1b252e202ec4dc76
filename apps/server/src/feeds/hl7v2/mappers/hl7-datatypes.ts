// HL7 v2 composite data types (HL7 v2.5.1 ch. 2A: CE/CWE, CX, XCN, XPN, XAD, XTN, PL, EI) to FHIR R4 datatypes.
// Every string written passes cleanText or cleanCode: FHIR R4 datatypes.html#string allows no control characters
// but TAB, CR and LF and no whitespace-only values; a code has no leading, trailing or double spaces.

import type {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Identifier,
  Organization,
  Practitioner,
  Reference,
} from '@joinedup/fhir';
import type { Hl7Field, Hl7Segment } from '../hl7-message.ts';
import {
  GMC_SYSTEM,
  GMP_SYSTEM,
  HCPC_SYSTEM,
  LOINC_SYSTEM,
  NMC_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  SDS_USER_SYSTEM,
  SNOMED_SYSTEM,
  UCUM_SYSTEM,
  localCodeSystem,
  localIdentifierSystem,
  v2TableSystem,
} from './code-systems.ts';
import { sourceResourceId } from './resource-ids.ts';
import { isSnomedConceptId } from '@joinedup/fhir';

// Unicode Cc (C0, DEL, C1) but TAB, LF and CR: a hex escape (\X01\) can decode to one of these.
const CONTROL = /\p{Cc}/gu;

function dropControls(value: string): string {
  return value.replace(CONTROL, (c) => (c === '\t' || c === '\n' || c === '\r' ? c : ''));
}

/** A FHIR string from HL7 text: control characters dropped, trimmed; undefined when nothing is left. */
export function cleanText(value: string): string | undefined {
  const s = dropControls(value).trim();
  return s === '' ? undefined : s;
}

/** A FHIR code (R4 `[^\s]+( [^\s]+)*`): whitespace runs become one space; undefined when empty. */
export function cleanCode(value: string): string | undefined {
  const s = dropControls(value).replace(/\s+/g, ' ').trim();
  return s === '' ? undefined : s;
}

/** The first repetition of a field, or undefined when it is empty. */
export function firstRepetition(segment: Hl7Segment | undefined, field: number): Hl7Field | undefined {
  return segment?.repetitions(field)[0];
}

/** One component of a repetition as clean text. */
export function componentText(field: Hl7Field | undefined, component: number, subcomponent = 1): string | undefined {
  return field === undefined ? undefined : cleanText(field.get(component, subcomponent));
}

// ------------------------------------------------------------------------------------------------ codes

export { isSnomedConceptId };

/** A LOINC code (number, hyphen, check digit) or LOINC part/answer code (LP/LA/LG prefix). */
export function isLoincCode(code: string): boolean {
  return /^(L[APG])?[0-9]{1,8}-[0-9]$/.test(code);
}

/**
 * The FHIR system of a coding whose HL7 v2 coding system (HL7 table 0396) is `name`. A code is put in a standard
 * system only when it has that system's shape (a SNOMED CT code its Verhoeff check digit, a LOINC code its
 * check-digit form, ICD-10 and MDC their code forms): senders label local codes 'LOINC' or 'SCT', and a wrong standard code is worse than a local
 * one. Everything else is the sender's local system.
 */
export function codingSystemFor(name: string, code: string, senderOds: string): string {
  const n = name.toUpperCase();
  if (['SCT', 'SNOMED', 'SNOMEDCT', 'SNOMED-CT', 'SCT2'].includes(n) && isSnomedConceptId(code)) return SNOMED_SYSTEM;
  if (['LN', 'LOINC'].includes(n) && isLoincCode(code)) return LOINC_SYSTEM;
  if (n === 'UCUM') return UCUM_SYSTEM;
  if ((n === 'I10' || n === 'ICD10') && /^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$/.test(code)) {
    return 'http://hl7.org/fhir/sid/icd-10';
  }
  // ISO/IEEE 11073-10101: a numeric code or an MDC_ reference id.
  if (n === 'MDC' && /^([0-9]{1,10}|MDC_[A-Z0-9_]+)$/.test(code)) return 'urn:iso:std:iso:11073:10101';
  const table = /^HL7([0-9]{4})$/.exec(n);
  if (table) return v2TableSystem(table[1]!);
  return localCodeSystem(senderOds, name === '' ? 'local' : name);
}

/**
 * CE/CWE (HL7 v2.5.1 2A.8, 2A.13): identifier^text^coding system, then the alternate triplet in components 4-6;
 * CWE-9 is the original text. A triplet with a code becomes a Coding; text alone becomes `text`.
 */
export function codeableConcept(field: Hl7Field | undefined, senderOds: string): CodeableConcept | undefined {
  if (field === undefined) return undefined;
  const coding: Coding[] = [];
  for (const first of [1, 4]) {
    const code = cleanCode(field.get(first));
    if (code === undefined) continue;
    const system = codingSystemFor(cleanCode(field.get(first + 2)) ?? '', code, senderOds);
    const display = cleanText(field.get(first + 1));
    coding.push({ system, code, ...(display === undefined ? {} : { display }) });
  }
  const text = cleanText(field.get(9)) ?? cleanText(field.get(2)) ?? cleanText(field.get(5));
  if (coding.length === 0 && text === undefined) return undefined;
  return { ...(coding.length > 0 ? { coding } : {}), ...(text === undefined ? {} : { text }) };
}

/** A coded value from an HL7 table FHIR publishes (terminology.hl7.org v2-nnnn), with our display. */
export function v2TableConcept(table: string, code: string, display?: string): CodeableConcept {
  return { coding: [{ system: v2TableSystem(table), code, ...(display === undefined ? {} : { display }) }] };
}

/** A code from a user-defined HL7 table (its values are the sender's): a SNOMED CT code when it is one. */
export function localTableConcept(senderOds: string, table: string, code: string): CodeableConcept {
  const system = isSnomedConceptId(code) ? SNOMED_SYSTEM : localCodeSystem(senderOds, `v2-${table}`);
  return { coding: [{ system, code }] };
}

// ------------------------------------------------------------------------------------------ people, places

/** HL7 table 0200 (name type) to FHIR name-use; codes with no FHIR equivalent are left without a use. */
const NAME_USE: Record<string, HumanName['use']> = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  B: 'old',
  N: 'nickname',
  S: 'anonymous',
};

/** XPN: family name ^ given ^ further given names ^ suffix ^ prefix ^ degree ^ name type code. */
export function humanName(field: Hl7Field): HumanName | undefined {
  const family = componentText(field, 1);
  const given = [componentText(field, 2), componentText(field, 3)].filter((g): g is string => g !== undefined);
  const prefix = componentText(field, 5);
  const suffix = [componentText(field, 4), componentText(field, 6)].filter((s): s is string => s !== undefined);
  if (family === undefined && given.length === 0) return undefined;
  const use = NAME_USE[field.get(7).toUpperCase()];
  return {
    ...(use === undefined ? {} : { use }),
    ...(family === undefined ? {} : { family }),
    ...(given.length > 0 ? { given } : {}),
    ...(prefix === undefined ? {} : { prefix: [prefix] }),
    ...(suffix.length > 0 ? { suffix } : {}),
  };
}

/** HL7 table 0190 (address type); 'HOME' is how some senders (Simulated Hospital) spell H. */
const ADDRESS_USE: Record<string, Pick<Address, 'use' | 'type'>> = {
  H: { use: 'home' },
  HOME: { use: 'home' },
  P: { use: 'home' },
  B: { use: 'work' },
  O: { use: 'work' },
  C: { use: 'temp' },
  BA: { use: 'old' },
  M: { type: 'postal' },
};

/** XAD: street ^ other designation ^ city ^ state or province ^ postal code ^ country ^ address type. */
export function address(field: Hl7Field): Address | undefined {
  const line = [componentText(field, 1), componentText(field, 2)].filter((l): l is string => l !== undefined);
  const city = componentText(field, 3);
  // UK senders put the county or London borough in XAD-4: FHIR's district ("county").
  const district = componentText(field, 4);
  const postalCode = componentText(field, 5);
  const country = componentText(field, 6);
  if (line.length === 0 && city === undefined && postalCode === undefined) return undefined;
  return {
    ...(ADDRESS_USE[field.get(7).toUpperCase()] ?? {}),
    ...(line.length > 0 ? { line } : {}),
    ...(city === undefined ? {} : { city }),
    ...(district === undefined ? {} : { district }),
    ...(postalCode === undefined ? {} : { postalCode }),
    ...(country === undefined ? {} : { country }),
  };
}

/**
 * XTN: number ^ use (table 0201) ^ equipment (table 0202) ^ email ^ country ^ area ^ local number ^ extension.
 * `fieldUse` is what the field says (PID-13 home, PID-14 work); a mobile (CP) is use 'mobile'.
 */
export function contactPoint(field: Hl7Field, fieldUse: 'home' | 'work'): ContactPoint | undefined {
  const equipment = field.get(3).toUpperCase();
  const isEmail = equipment === 'INTERNET' || equipment === 'X.400' || field.get(2).toUpperCase() === 'NET';
  const composed = [field.get(5), field.get(6), field.get(7)].filter((p) => p !== '').join(' ');
  const value = isEmail
    ? (componentText(field, 4) ?? componentText(field, 1))
    : (componentText(field, 1) ?? cleanText(composed));
  if (value === undefined) return undefined;
  const use: ContactPoint['use'] =
    equipment === 'CP' ? 'mobile' : field.get(2).toUpperCase() === 'WPN' ? 'work' : fieldUse;
  let system: ContactPoint['system'] = 'phone';
  if (isEmail) system = 'email';
  else if (equipment === 'FX') system = 'fax';
  else if (equipment === 'BP') system = 'pager';
  return { system, value, use };
}

/**
 * A clinician (XCN: id ^ family ^ given ^ further given ^ suffix ^ prefix ^ degree ^ source table ^ assigning
 * authority) as a Practitioner reference by identifier; by name only when there is no id. The identifier system
 * comes from XCN-9: SDS, GMC, NMC, GMP or HCPC name the national registers; a 12-digit id with no authority is
 * an SDS user id (the Spine Directory's format, as NHS England feeds send it); anything else is the sender's
 * own staff number.
 */
export function practitionerReference(field: Hl7Field, senderOds: string): Reference<Practitioner> | undefined {
  const id = cleanCode(field.get(1));
  if (id !== undefined) {
    return { type: 'Practitioner', identifier: { system: practitionerSystem(field.get(9), id, senderOds), value: id } };
  }
  const display = [field.get(6), field.get(3), field.get(4), field.get(2)]
    .map((p) => cleanText(p))
    .filter((p): p is string => p !== undefined)
    .join(' ');
  return display === '' ? undefined : { type: 'Practitioner', display };
}

function practitionerSystem(authority: string, id: string, senderOds: string): string {
  const a = authority.trim().toUpperCase();
  if (a === 'SDS' || (a === '' && /^[0-9]{12}$/.test(id))) return SDS_USER_SYSTEM;
  if (a === 'GMC') return GMC_SYSTEM;
  if (a === 'NMC') return NMC_SYSTEM;
  if (a === 'GMP') return GMP_SYSTEM;
  if (a === 'HCPC') return HCPC_SYSTEM;
  return a === ''
    ? localIdentifierSystem(senderOds, 'staff')
    : localIdentifierSystem(senderOds, `staff/${encodeURIComponent(authority.trim())}`);
}

/** PL: point of care (ward) ^ room ^ bed ^ facility; the display a person reads. */
export function locationDisplay(field: Hl7Field | undefined): string | undefined {
  if (field === undefined) return undefined;
  const parts = [1, 2, 3].map((c) => componentText(field, c)).filter((p): p is string => p !== undefined);
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** The most specific level a PL names: bed, room or ward (FHIR location-physical-type). */
export function locationPhysicalType(field: Hl7Field): 'bd' | 'ro' | 'wa' {
  if (componentText(field, 3) !== undefined) return 'bd';
  if (componentText(field, 2) !== undefined) return 'ro';
  return 'wa';
}

/** The sending organisation: a reference by id (ODS code) with its ODS identifier. */
export function organizationReference(senderOds: string): Reference<Organization> {
  return {
    reference: `Organization/${sourceResourceId(senderOds)}`,
    identifier: { system: ODS_ORGANIZATION_SYSTEM, value: senderOds },
  };
}

/** EI (entity identifier): the id, component 1. */
export function entityId(segment: Hl7Segment, field: number): string | undefined {
  return cleanCode(segment.get(field, 1));
}

/** An identifier in one of the sender's own spaces. */
export function localIdentifier(senderOds: string, name: string, value: string, type?: string): Identifier {
  return {
    ...(type === undefined
      ? {}
      : { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] } }),
    system: localIdentifierSystem(senderOds, name),
    value,
  };
}
