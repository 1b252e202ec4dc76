export * from './outcome.ts';
export * from './ids.ts';
export type * from '@medplum/fhirtypes';
export * from './nhs-number.ts';
export * from './snomed-id.ts';
