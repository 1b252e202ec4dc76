import type { Address as FhirAddress, ContactPoint, HumanName } from '@medplum/fhirtypes';
import type { Address, PersonName } from '../model.ts';

/**
 * The model's datatypes as FHIR datatypes. Arrays and strings are never empty in FHIR JSON (R4 json.html), so
 * empty parts are left out rather than sent.
 */

export function fhirName(name: PersonName): HumanName {
  const out: HumanName = { use: 'official' };
  if (name.prefix) out.prefix = [name.prefix];
  if (name.given.length > 0) out.given = name.given;
  if (name.family) out.family = name.family;
  return out;
}

export function nameDisplay(name: PersonName): string {
  const given = name.given.join(' ');
  const rest = given ? `${given} ${name.family}` : name.family;
  return name.prefix ? `${name.prefix} ${rest}` : rest;
}

export function fhirAddress(address: Address, use: 'home' | 'work'): FhirAddress {
  const out: FhirAddress = { use };
  if (address.line.length > 0) out.line = address.line;
  if (address.city) out.city = address.city;
  if (address.district) out.district = address.district;
  if (address.postalCode) out.postalCode = address.postalCode;
  return out;
}

export function phone(value: string, use: 'home' | 'work' | 'mobile'): ContactPoint {
  return { system: 'phone', value, use };
}
