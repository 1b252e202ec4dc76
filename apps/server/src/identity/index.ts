// The master patient index: matching engine (pure functions). Storage of links and blocking keys comes later.

/** A source Patient (FHIR R4, UK Core) in comparable form; normalisation of NHS number, names, postcode, phone. */
export {
  fromDemographics,
  fromFhirPatient,
  normaliseBirthDate,
  type AdministrativeSex,
  type DemographicFlag,
  type DemographicsInput,
  type DemographicsOptions,
  type MatchRecord,
} from './demographics.ts';
/** NHS number: Modulus 11 and the UK Core identifier system and verification extension. */
export {
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_EXTENSION,
  NHS_NUMBER_VERIFIED,
  normaliseNhsNumber,
} from '@joinedup/fhir';
export { normaliseUkPostcode, outwardCode } from './postcode.ts';
export { normalisePhone } from './phone.ts';
/** Fellegi-Sunter scoring of a pair, its outcome, and the person-level decision for an incoming record. */
export {
  classify,
  decideLink,
  DEFAULT_THRESHOLDS,
  matchOutcome,
  scorePair,
  type FieldContribution,
  type IndexedCandidate,
  type LinkDecision,
  type MatchOutcome,
  type MatchRule,
  type MatchScore,
  type MatchThresholds,
} from './match.ts';
/** Comparison levels of each field. */
export { FIELD_LEVELS, MATCH_FIELDS, type FieldLevel, type MatchField } from './comparison.ts';
/** Blocking keys (strings for an indexed text column) and candidate pairs for bulk work. */
export {
  BLOCKING_KEY_KINDS,
  blockingKeys,
  findCandidatePairs,
  type BlockingKeyKind,
  type CandidatePairs,
  type CandidateOptions,
} from './blocking.ts';
/** m/u probabilities: the defaults, EM estimation, counting from labelled pairs. */
export {
  DEFAULT_WEIGHTS,
  estimateWeights,
  levelWeights,
  weightsFromLabelledVectors,
  type EstimateOptions,
  type FieldWeights,
  type MatchWeights,
  type WeightEstimate,
} from './weights.ts';
/** Bulk deduplication: block, score, join records into people without ever joining two verified NHS numbers. */
export { deduplicate, type Deduplication, type DeduplicateOptions, type ScoredLink } from './deduplicate.ts';
/** Double Metaphone, the phonetic code of the blocking keys (same codes as PostgreSQL's dmetaphone). */
export { doubleMetaphone, type PhoneticCode } from './double-metaphone.ts';
/** The index's storage and linking: source Patients to a Person, the review queue, the audit of every change. */
export {
  createIdentityService,
  type IdentityService,
  type IdentityServiceOptions,
  type LinkResult,
} from './identity.service.ts';
export { identityMigrations } from './identity.migrations.ts';
/** The index's HTTP API for data quality users (`/mpi`). */
export { registerIdentityRoutes, type IdentityRouteOptions } from './identity.routes.ts';
