import type { Migration } from '../../platform/migrate.ts';

/**
 * Every HL7 v2 message applied, by sender and MSH-10, with the ACK it was given: a message resent is answered
 * with that ACK and applied once (reliability matrix row 10), and the message as received is kept (the
 * Provenance of what it produced points at it). The raw text is patient data and is never logged. Under Citus
 * this is a local table of the coordinator: messages are looked up by sender and control id, not by patient.
 */
export const hl7v2Migrations: Migration[] = [
  {
    id: 'feeds-hl7v2-001',
    sql: `
CREATE TABLE feed_message (
  sender text NOT NULL,
  control_id text NOT NULL,
  message_type text NOT NULL,
  sent_at text NOT NULL,
  received_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'stale')),
  patient_id text,
  ack text NOT NULL,
  raw text NOT NULL,
  PRIMARY KEY (sender, control_id)
);
CREATE INDEX feed_message_patient_idx ON feed_message (patient_id);
`,
  },
  {
    // Every A40 applied: which resources moved from the prior Patient to the survivor, so that an unmerge can
    // move exactly those back (domain.md 2.2 rule 5; reliability matrix row 5).
    id: 'feeds-hl7v2-002',
    sql: `
CREATE TABLE feed_merge (
  sender text NOT NULL,
  control_id text NOT NULL,
  prior_patient_id text NOT NULL,
  surviving_patient_id text NOT NULL,
  merged_at timestamptz NOT NULL,
  moved jsonb NOT NULL,
  unmerged_at timestamptz,
  PRIMARY KEY (sender, control_id)
);
CREATE INDEX feed_merge_prior_idx ON feed_merge (prior_patient_id);
`,
  },
  {
    // A merge that contradicts one already applied is parked for review, never applied (reliability row 11).
    id: 'feeds-hl7v2-003',
    sql: `
ALTER TABLE feed_message DROP CONSTRAINT feed_message_outcome_check;
ALTER TABLE feed_message ADD CONSTRAINT feed_message_outcome_check CHECK (outcome IN ('applied', 'stale', 'parked'));
CREATE INDEX feed_message_parked_idx ON feed_message (received_at) WHERE outcome = 'parked';
`,
  },
  {
    // Who undid a merge (a data quality user, by the credentials of the request), beside when.
    id: 'feeds-hl7v2-004',
    sql: `ALTER TABLE feed_merge ADD COLUMN unmerged_by text;`,
  },
];
