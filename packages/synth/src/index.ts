export * from './model.ts';
export { createRng, type Rng } from './random.ts';
export {
  buildSyntheticRegion,
  DEFAULT_AS_OF,
  GENERATOR_VERSION,
  generatePopulation,
  generateSyntheticPerson,
  type SynthOptions,
  type SyntheticPerson,
} from './generate.ts';
export { regionResources, sourceRecordResources } from './fhir/index.ts';
export { hl7v2Messages } from './hl7v2/index.ts';
export { createFeedWriter, OUTPUT_KINDS, type OutputKind } from './output/feed-writer.ts';
