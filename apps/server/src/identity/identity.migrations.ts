import type { Migration } from '../platform/migrate.ts';

/**
 * The master patient index (ADR 6): the link table is the source of truth, the FHIR Person resources are written
 * from it in the same transaction. `mpi_record` holds each source Patient's comparable form (a MatchRecord) and
 * the person it is linked to; `mpi_block` its blocking keys, for the `key = ANY($1)` candidate look-up;
 * `mpi_review` the POSSIBLE_MATCH work queue; `mpi_event` every change, so that each can be undone. The record
 * column holds normalised demographics (patient data): never logged.
 */
export const identityMigrations: Migration[] = [
  {
    id: 'identity-001',
    sql: `
CREATE TABLE mpi_record (
  patient_id text PRIMARY KEY,
  source text NOT NULL,
  person_id text NOT NULL,
  record jsonb NOT NULL,
  method text NOT NULL CHECK (method IN ('nhs-verified', 'match', 'new', 'manual')),
  score real,
  updated_at timestamptz NOT NULL
);
CREATE INDEX mpi_record_person_idx ON mpi_record (person_id);
CREATE TABLE mpi_block (
  key text NOT NULL,
  patient_id text NOT NULL,
  PRIMARY KEY (key, patient_id)
);
CREATE INDEX mpi_block_patient_idx ON mpi_block (patient_id);
CREATE TABLE mpi_review (
  patient_id text NOT NULL,
  candidate_person_id text NOT NULL,
  score real NOT NULL,
  reasons jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'rejected', 'superseded')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  PRIMARY KEY (patient_id, candidate_person_id)
);
CREATE INDEX mpi_review_open_idx ON mpi_review (created_at, patient_id) WHERE status = 'open';
CREATE TABLE mpi_event (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  action text NOT NULL CHECK (action IN ('link', 'unlink', 'new-person', 'review-open', 'review-link', 'review-reject')),
  patient_id text NOT NULL,
  person_id text,
  previous_person_id text,
  by_user text,
  detail jsonb
);
CREATE INDEX mpi_event_patient_idx ON mpi_event (patient_id, id);
`,
  },
];
