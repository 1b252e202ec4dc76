import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Region, SourceRecord } from '../model.ts';
import { putTransaction } from './bundles.ts';
import { regionResources } from './region-resources.ts';
import { sourceRecordResources } from './source-record.ts';

export { toNdjson } from './bundles.ts';
export { regionResources } from './region-resources.ts';
export { sourceRecordResources } from './source-record.ts';
export {
  eventResourceId,
  isValidFhirId,
  locationId,
  organizationId,
  patientId,
  practitionerId,
  practitionerRoleId,
} from './ids.ts';
export {
  CANCER_PATHWAY_URL,
  IMMUNISATION_DUE_DATE_URL,
  MEDICATION_LAST_ISSUE_DATE_URL,
  ODS_SITE_SYSTEM,
  SDS_JOB_ROLE_SYSTEM,
} from './codes.ts';

/** The region's resources as one transaction of PUTs: loading it twice is harmless. */
export function regionBundle(region: Region): Bundle {
  return putTransaction(regionResources(region));
}

/** One organisation's feed about one person as a transaction of PUTs: resending it changes only versions. */
export function sourceTransactionBundle(record: SourceRecord, region: Region): Bundle {
  return putTransaction(sourceRecordResources(record, region));
}

export type { Bundle, Resource };
