import type { Migration } from '../platform/migrate.ts';

/**
 * Relationships a user claims with a patient because none is derived from the record: self-claimed legitimate
 * relationships and break-glass (emergency) access (ADR 8; domain.md 2.4). Each is one user's, for one patient,
 * time-limited, with its coded reason and free text; the audit's alert event names it (its id). Under Citus
 * this table is distributed by patient like the record (`patient_id`).
 */
export const claimsMigrations: Migration[] = [
  {
    id: 'access-claims-001',
    sql: `
CREATE TABLE access_claim (
  id text PRIMARY KEY,
  patient_id text NOT NULL,
  user_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('self-claimed', 'break-glass')),
  reason_code text NOT NULL,
  justification text,
  role_code text NOT NULL,
  organisation_ods text NOT NULL,
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > started_at)
);
CREATE INDEX access_claim_user_idx ON access_claim (user_id, expires_at);
CREATE INDEX access_claim_patient_idx ON access_claim (patient_id, expires_at);
`,
  },
];
