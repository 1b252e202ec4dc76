import type { AdministrativeSex, Coding, PersonName, SourceDemographics } from '../model.ts';
import { DMD, LOINC, SNOMED, UCUM } from '../model.ts';
import type { Visit } from './feed-context.ts';
import { escapeHl7 } from './hl7-escape.ts';
import { hl7Date } from './hl7-datetime.ts';

/** An empty field list for a segment of `count` fields: index n is field n (index 0 is unused). */
export function fields(count: number): string[] {
  return new Array<string>(count + 1).fill('');
}

/** A segment, preceded by the carriage return that separates it from the one before; trailing empty fields left off. */
export function segment(name: string, values: readonly string[]): string {
  let end = values.length - 1;
  while (end > 0 && values[end] === '') end--;
  let s = '\r' + name;
  for (let i = 1; i <= end; i++) s += '|' + (values[i] ?? '');
  return s;
}

/**
 * MSH as UK trusts send v2.4 (domain.md 2.2; NHS England ITK HL7 v2 message specification): sending application
 * and facility are the PAS and the trust's ODS code, processing id P, country GBR, character set UTF-8.
 */
export function mshSegment(
  sendingApplication: string,
  odsCode: string,
  sentTs: string,
  messageType: string,
  controlId: string,
): string {
  return `MSH|^~\\&|${sendingApplication}|${odsCode}|JOINEDUP|JOINEDUP|${sentTs}||${messageType}|${controlId}|P|2.4|||||GBR|UNICODE UTF-8`;
}

/** EVN: trigger, when recorded (EVN-2) and when it happened (EVN-6). */
export function evnSegment(trigger: string, recordedTs: string, occurredTs: string): string {
  return `\rEVN|${trigger}|${recordedTs}||||${occurredTs}`;
}

/** HL7 table 0396 coding system identifiers for the systems the model uses. */
export function codingSystemId(system: string): string {
  if (system === SNOMED) return 'SCT';
  if (system === LOINC) return 'LN';
  if (system === UCUM) return 'UCUM';
  if (system === DMD) return '99DMD';
  return 'L';
}

/** CE: code^text^coding system. */
export function codedElement(coding: Coding): string {
  return `${escapeHl7(coding.code)}^${escapeHl7(coding.display)}^${codingSystemId(coding.system)}`;
}

/** HL7 table 0001 administrative sex. */
const SEX: Record<AdministrativeSex, string> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

/**
 * PID as the NHS England v2 ADT specification shapes it: PID-3 the trust's MRN (type MR, assigning authority
 * the ODS code) and the NHS number (type NH, authority NHS); PID-32 carries the NHS number verification status
 * (England codes 01-08, domain.md 1.1), as ITK v2 interfaces do (◐: confirm against the current NHS England
 * spec). `deathTs` sets PID-29/30 once the trust knows of the death.
 */
export function pidSegment(
  localId: string,
  odsCode: string,
  d: SourceDemographics,
  deathTs: string | undefined,
): string {
  const f = fields(32);
  f[1] = '1';
  f[3] = `${escapeHl7(localId)}^^^${odsCode}^MR`;
  if (d.nhsNumber) f[3] += `~${escapeHl7(d.nhsNumber)}^^^NHS^NH`;
  f[5] = xpn(d.name);
  f[7] = hl7Date(d.birthDate);
  f[8] = SEX[d.sex];
  const a = d.address;
  if (a) {
    const [first = '', ...rest] = a.line;
    f[11] = `${escapeHl7(first)}^${escapeHl7(rest.join(', '))}^${escapeHl7(a.city)}^${escapeHl7(a.district)}^${escapeHl7(a.postalCode)}^GBR^H`;
  }
  // XTN: number^telecom use (table 0201)^equipment type (table 0202).
  if (d.homePhone) f[13] = `${escapeHl7(d.homePhone)}^PRN^PH`;
  if (d.mobilePhone) f[13] += `${f[13] ? '~' : ''}${escapeHl7(d.mobilePhone)}^PRN^CP`;
  if (deathTs) {
    f[29] = deathTs;
    f[30] = 'Y';
  }
  if (d.nhsNumber && d.nhsNumberStatus) f[32] = escapeHl7(d.nhsNumberStatus);
  return segment('PID', f);
}

/** XPN: family^given^middle names^^prefix (PID-5, MRG-7). */
export function xpn(name: PersonName): string {
  const middle = name.given.length > 1 ? escapeHl7(name.given.slice(1).join(' ')) : '';
  return trimComponents(
    `${escapeHl7(name.family)}^${escapeHl7(name.given[0] ?? '')}^${middle}^^${escapeHl7(name.prefix ?? '')}`,
  );
}

function trimComponents(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 94) end--;
  return value.slice(0, end);
}

/**
 * NHS Data Dictionary discharge destination codes (hospital provider spell), as UK Core
 * CodeSystem-UKCore-DischargeDestinationEngland lists them: PV1-36.
 */
export const DISCHARGE_DESTINATION = {
  home: '19',
  'other-hospital': '51',
  'care-home': '85',
  died: '79',
  hospice: '88',
} as const;

/** A point of care at a site: PL `ward^^^site ODS`. */
export function location(ward: string, site: string): string {
  return `${escapeHl7(ward)}^^^${site}`;
}

/** PV1 for a visit: where the patient is now (PV1-3), was before (PV1-6), and discharge details once known. */
export function pv1Segment(
  visit: Visit,
  ward: string,
  priorWard: string | undefined,
  dischargeTs: string | undefined,
  dischargeDisposition: string | undefined,
): string {
  const f = fields(45);
  f[1] = '1';
  f[2] = visit.patientClass;
  f[3] = location(ward, visit.site);
  f[4] = visit.admissionType;
  if (priorWard !== undefined) f[6] = location(priorWard, visit.site);
  if (visit.attending) {
    f[7] = visit.attending.xcn;
    f[10] = visit.attending.specialty;
  }
  f[19] = visit.visitNumber;
  if (dischargeDisposition) f[36] = dischargeDisposition;
  f[44] = visit.admitTs;
  if (dischargeTs) f[45] = dischargeTs;
  return segment('PV1', f);
}

/** PV1 of a message about no visit (A28, A31, a document or result outside any visit): class N, not applicable. */
export const PV1_NO_VISIT = '\rPV1|1|N';
