/**
 * The HL7 v2 feeds of hospital-type organisations (acute, mental health, community and out-of-area trusts):
 * ADT from the PAS, ORU from the lab, MDM from the document system and SIU from scheduling, as UK trusts send
 * v2.4 (domain.md 2.2).
 */
export { frameMllp, hl7v2Messages } from './feed.ts';
export type { Hl7Feed } from './feed.ts';
