import type { Address, ContactPoint, HumanName, Identifier, Patient } from '@joinedup/fhir';
import { normaliseAddressLines } from './address.ts';
import { normaliseFamilyName, normaliseGivenNames } from './names.ts';
import {
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_EXTENSION,
  NHS_NUMBER_VERIFIED,
  normaliseNhsNumber,
} from '@joinedup/fhir';
import { normalisePhone } from './phone.ts';
import { normaliseUkPostcode } from './postcode.ts';

export type AdministrativeSex = 'male' | 'female' | 'other' | 'unknown';

/** What normalisation dropped from a record, for the data quality report (the value itself is never kept). */
export type DemographicFlag =
  'nhs-number-invalid' | 'birth-date-invalid' | 'postcode-invalid' | 'phone-invalid' | 'name-missing';

/**
 * One source's patient record in comparable form: every field normalised, invalid values dropped (and flagged).
 * `family` is the family name's words joined by one space; `given` every given-name word in order.
 */
export interface MatchRecord {
  id: string;
  /** ODS code of the sender. */
  source: string;
  /** Ten digits that pass Modulus 11 (or, for a data set with another identifier, that identifier as given). */
  nhsNumber?: string;
  /** Verification status 01: traced and verified against PDS. */
  nhsNumberVerified: boolean;
  family: string;
  given: string[];
  /** YYYY-MM-DD, a real calendar date. */
  birthDate?: string;
  sex?: AdministrativeSex;
  postcode?: string;
  addressLine?: string;
  /** National form (`02079460650`). */
  phone?: string[];
  flags?: DemographicFlag[];
}

/** Demographics as a source holds them, before normalisation. */
export interface DemographicsInput {
  id: string;
  source: string;
  nhsNumber?: string;
  nhsNumberVerified?: boolean;
  family?: string;
  given?: readonly string[];
  birthDate?: string;
  sex?: string;
  postcode?: string;
  addressLines?: readonly string[];
  phones?: readonly string[];
}

export interface DemographicsOptions {
  /**
   * `nhs-number` (default): Modulus 11 checked, an invalid number treated as absent. `unchecked`: an identifier of
   * 4 to 20 digits kept as given (benchmark data sets with a national identifier that has no check digit).
   */
  identifier?: 'nhs-number' | 'unchecked';
  /** `uk` (default): the Royal Mail format, an invalid postcode treated as absent. `any`: any 3-10 letters/digits. */
  postcode?: 'uk' | 'any';
}

const MAX_PHONES = 5;

/** A record in comparable form from raw demographics. */
export function fromDemographics(input: DemographicsInput, options: DemographicsOptions = {}): MatchRecord {
  const flags: DemographicFlag[] = [];
  const record: MatchRecord = {
    id: input.id,
    source: input.source,
    nhsNumberVerified: false,
    family: normaliseFamilyName(input.family ?? '').join(' '),
    given: normaliseGivenNames(input.given ?? []),
  };
  if (input.nhsNumber !== undefined && input.nhsNumber.trim() !== '') {
    const nhsNumber =
      options.identifier === 'unchecked' ? uncheckedIdentifier(input.nhsNumber) : normaliseNhsNumber(input.nhsNumber);
    if (nhsNumber) {
      record.nhsNumber = nhsNumber;
      record.nhsNumberVerified = input.nhsNumberVerified === true;
    } else {
      flags.push('nhs-number-invalid');
    }
  }
  if (record.family === '' && record.given.length === 0) flags.push('name-missing');
  if (input.birthDate !== undefined && input.birthDate !== '') {
    const birthDate = normaliseBirthDate(input.birthDate);
    if (birthDate) record.birthDate = birthDate;
    else flags.push('birth-date-invalid');
  }
  const sex = normaliseSex(input.sex);
  if (sex) record.sex = sex;
  if (input.postcode !== undefined && input.postcode.trim() !== '') {
    const postcode = options.postcode === 'any' ? anyPostcode(input.postcode) : normaliseUkPostcode(input.postcode);
    if (postcode) record.postcode = postcode;
    else flags.push('postcode-invalid');
  }
  const addressLine = normaliseAddressLines(input.addressLines ?? []);
  if (addressLine) record.addressLine = addressLine;
  const phones: string[] = [];
  for (const raw of (input.phones ?? []).slice(0, MAX_PHONES)) {
    const phone = normalisePhone(raw);
    if (!phone) flags.push('phone-invalid');
    else if (!phones.includes(phone)) phones.push(phone);
  }
  if (phones.length > 0) record.phone = phones;
  if (flags.length > 0) record.flags = [...new Set(flags)];
  return record;
}

/** A FHIR R4 Patient (UK Core) in comparable form; `source` is the ODS code of the organisation that sent it. */
export function fromFhirPatient(patient: Patient, source: string): MatchRecord {
  const nhs = nhsNumberIdentifier(patient.identifier ?? []);
  const name = currentName(patient.name ?? []);
  const address = currentAddress(patient.address ?? []);
  const { family, given } = nameParts(name);
  return fromDemographics({
    id: patient.id ?? patient.identifier?.find((i) => i.value)?.value ?? '',
    source,
    ...(nhs?.value !== undefined ? { nhsNumber: nhs.value } : {}),
    nhsNumberVerified: nhs ? isVerified(nhs) : false,
    family,
    given,
    ...(patient.birthDate !== undefined ? { birthDate: patient.birthDate } : {}),
    ...(patient.gender !== undefined ? { sex: patient.gender } : {}),
    ...(address?.postalCode !== undefined ? { postcode: address.postalCode } : {}),
    addressLines: address?.line ?? [],
    phones: currentPhones(patient.telecom ?? []),
  });
}

function nhsNumberIdentifier(identifiers: readonly Identifier[]): Identifier | undefined {
  const all = identifiers.filter((i) => i.system === NHS_NUMBER_SYSTEM && i.value);
  // A record may carry an old number beside the current one: prefer one that is valid, then one that is verified.
  return (
    all.find((i) => isVerified(i) && normaliseNhsNumber(i.value!)) ??
    all.find((i) => normaliseNhsNumber(i.value!)) ??
    all[0]
  );
}

function isVerified(identifier: Identifier): boolean {
  const ext = identifier.extension?.find((e) => e.url === NHS_NUMBER_VERIFICATION_EXTENSION);
  return ext?.valueCodeableConcept?.coding?.some((c) => c.code === NHS_NUMBER_VERIFIED) ?? false;
}

// FHIR R4 datatypes.html#HumanName: `official` is the registered name; `old` and `maiden` are no longer in use; a
// name whose period has ended is no longer in use either.
const NAME_PREFERENCE = ['official', 'usual', undefined, 'temp', 'nickname', 'anonymous'];

function currentName(names: readonly HumanName[]): HumanName | undefined {
  const current = names.filter((n) => n.use !== 'old' && n.use !== 'maiden' && !n.period?.end);
  const ranked = current.length > 0 ? current : names;
  for (const use of NAME_PREFERENCE) {
    const found = ranked.find((n) => n.use === use);
    if (found) return found;
  }
  return ranked[0];
}

function nameParts(name: HumanName | undefined): { family: string; given: string[] } {
  if (!name) return { family: '', given: [] };
  if (name.family || name.given?.length) return { family: name.family ?? '', given: name.given ?? [] };
  // Only the text: FHIR says it is the whole name as displayed; in the UK the family name comes last.
  const words = (name.text ?? '').trim().split(/\s+/).filter(Boolean);
  return { family: words.pop() ?? '', given: words };
}

function currentAddress(addresses: readonly Address[]): Address | undefined {
  const current = addresses.filter((a) => a.use !== 'old' && !a.period?.end && a.type !== 'postal');
  return current.find((a) => a.use === 'home') ?? current[0];
}

function currentPhones(telecom: readonly ContactPoint[]): string[] {
  return telecom
    .filter((t) => (t.system === 'phone' || t.system === 'sms') && t.use !== 'old' && !t.period?.end && t.value)
    .map((t) => t.value!);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** YYYY-MM-DD when it is a real calendar date between 1850 and 2199; a partial date (YYYY, YYYY-MM) is absent. */
export function normaliseBirthDate(input: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(input.trim().slice(0, 10));
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1850 || year > 2199 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function normaliseSex(input: string | undefined): AdministrativeSex | undefined {
  switch (input?.trim().toLowerCase()) {
    case 'male':
    case 'm':
      return 'male';
    case 'female':
    case 'f':
      return 'female';
    case 'other':
    case 'o':
      return 'other';
    case 'unknown':
    case 'u':
      return 'unknown';
    case undefined:
    default:
      return undefined;
  }
}

function uncheckedIdentifier(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{4,20}$/.test(digits) ? digits : undefined;
}

function anyPostcode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s.-]/g, '');
  return /^[A-Z0-9]{3,10}$/.test(compact) ? compact : undefined;
}
