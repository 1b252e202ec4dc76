import type { Organisation, OrganisationKind } from '../model.ts';

/** Local identifiers run in a space of 10^8 per organisation: more than the largest region we generate. */
const SPACE = 100_000_000;

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What each kind of organisation calls its identifier for a person. */
const ID_NAMES: Record<OrganisationKind, string> = {
  'gp-practice': 'gp-patient-id',
  'acute-trust': 'mrn',
  'mental-health-trust': 'mrn',
  'community-trust': 'mrn',
  'out-of-area-trust': 'mrn',
  hospice: 'mrn',
  'local-authority': 'social-care-person-id',
  'ambulance-service': 'epr-patient-id',
  'nhs-111': 'case-patient-id',
  'care-home': 'resident-id',
  pharmacy: 'pharmacy-patient-id',
};

/** The identifier system of an organisation's local ids (a synthetic domain: `.example` is reserved). */
export function localIdSystem(org: Organisation): string {
  return `https://fhir.joinedup.example/Id/${org.odsCode}/${ID_NAMES[org.kind]}`;
}

/**
 * An organisation's own identifier for the person at `index` (`serial` 0 for their record, 1 for a duplicate
 * made by mistake). Distinct indexes give distinct ids within one organisation: the number is an affine
 * bijection of the index over 10^8 (the multiplier is odd and not a multiple of 5, so coprime with 10^8),
 * scrambled per organisation so that ids do not run in population order.
 */
export function localIdFor(org: Organisation, seed: string, index: number, serial = 0): string {
  const h = hash32(`${seed}/${org.odsCode}`);
  let a = (h % 40_000_000) * 10 + 1; // ends in 1: odd and not a multiple of 5
  if (a % 5 === 0) a += 2;
  const b = hash32(`${org.odsCode}/${seed}/offset`) % SPACE;
  const slot = index * 2 + serial;
  const n = Number((BigInt(slot) * BigInt(a) + BigInt(b)) % BigInt(SPACE));
  return `${org.system.localIdPrefix}${String(n).padStart(8, '0')}`;
}
