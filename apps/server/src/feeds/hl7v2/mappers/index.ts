// HL7 v2 -> FHIR R4 (UK Core) mappers: the public surface of feeds/hl7v2/mappers.

/** Maps one parsed ADT, ORU, MDM or SIU message to the operations it means for the store; never throws. */
export { mapHl7Message, supportedMessageTypes } from './map-message.ts';
/** The resource to write for an upsert or cancel, given the stored one (or why nothing is written). */
export { applyFeedOperation, sourceEventTimeOf, type ApplyOutcome } from './apply-operation.ts';
export type {
  CancelOperation,
  CancelTarget,
  FeedOperation,
  MapContext,
  MapError,
  MapErrorCode,
  MapResult,
  MergeOperation,
  UpsertOperation,
} from './feed-operation.ts';
export { SOURCE_EVENT_TIME_URL } from './code-systems.ts';
/** Modulus 11 (domain.md 1.1). */
export { isValidNhsNumber, normaliseNhsNumber } from '@joinedup/fhir';
/** A valid FHIR id from what a sender sent: sanitised, and hashed when it is not one already. */
export { toResourceId } from './resource-ids.ts';
