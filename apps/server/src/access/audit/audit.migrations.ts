import type { Migration } from '../../platform/migrate.ts';

/**
 * The audit of every look at a record (ADR 9; domain.md 1.5; reliability matrix rows 18 and 19).
 *
 * - `audit_event`: one row per FHIR AuditEvent, numbered by a gap-free sequence (`seq`), with the columns the
 *   privacy officer searches by, the AuditEvent JSON exactly as hashed (text, not jsonb: jsonb re-serialises
 *   keys, spacing and numbers, and the stored bytes would no longer be the bytes hashed), and the hash chain:
 *   `hash` = SHA-256 over `prev_hash` and the row's canonical content (audit.chain.ts).
 * - `audit_head`: one row, the last sequence number and hash. Appends lock it (`audit_lock_head()`), so the
 *   chain stays linear whatever the concurrency. It moves only when rows are appended: after each INSERT
 *   statement a trigger checks that the new rows continue the head (numbers following on, each naming the hash
 *   before it) and moves the head once to the last of them; any other change to the head is refused.
 *   Verification compares it with the last row, which is how a deleted tail is seen. (Checked per statement, not
 *   per row: moving the head once per row lengthens its version chain within the transaction, and an append of
 *   1,000 rows slows to a crawl.)
 * - `audit_alert_ack`: the privacy officer's acknowledgement of a break-glass or self-claimed access alert
 *   (domain.md 2.4). An acknowledgement is a fact, not a state: never changed or removed either.
 *
 * Append-only is enforced in the database on both engines: triggers refuse UPDATE, DELETE and TRUNCATE, so an
 * application bug cannot rewrite history. A superuser can still disable triggers; the hash chain is what shows
 * that it happened (`npm run audit:verify`).
 *
 * Production grants (documented in README.md): the application role holds only SELECT and INSERT on
 * `audit_event` and `audit_alert_ack`, and SELECT on `audit_head`. The two functions that lock and advance the
 * head are SECURITY DEFINER, owned by the migrating role, so the application needs no UPDATE anywhere here.
 *
 * Citus: these are local tables of the coordinator, not distributed by patient. The chain is one sequence
 * across every patient, serialised on one head row; distributing it by patient would need one chain per shard.
 *
 * Function bodies keep their semicolons mid-line: migrate.ts ends a statement at a semicolon that ends a line.
 * The rows hold who looked at which patient (personal data): never logged.
 */
export const auditMigrations: Migration[] = [
  {
    id: 'access-audit-001',
    sql: `
CREATE TABLE audit_event (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  recorded timestamptz NOT NULL,
  event_type text NOT NULL CHECK (event_type IN ('rest', 'security-alert', 'audit-log-used')),
  patient_id text,
  user_id text,
  organisation_ods text,
  organisation_kind text,
  role_code text,
  client_id text,
  action text NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
  outcome text NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
  purpose_of_use text,
  break_glass boolean NOT NULL,
  self_claimed boolean NOT NULL,
  request_id text,
  event text NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_event_patient_idx ON audit_event (patient_id, seq);
CREATE INDEX audit_event_user_idx ON audit_event (user_id, seq);
CREATE INDEX audit_event_organisation_idx ON audit_event (organisation_ods, seq);
CREATE INDEX audit_event_recorded_idx ON audit_event (recorded);
CREATE INDEX audit_event_exceptional_idx ON audit_event (seq) WHERE break_glass OR self_claimed;
CREATE INDEX audit_event_alert_idx ON audit_event (seq) WHERE event_type = 'security-alert';
CREATE TABLE audit_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_seq bigint NOT NULL,
  last_hash text NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (true, 0, '${'0'.repeat(64)}');
CREATE TABLE audit_alert_ack (
  seq bigint PRIMARY KEY REFERENCES audit_event (seq),
  acknowledged_at timestamptz NOT NULL,
  acknowledged_by text NOT NULL,
  note text,
  event_seq bigint NOT NULL REFERENCES audit_event (seq)
);
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501'; END $$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_alert_ack_append_only BEFORE UPDATE OR DELETE ON audit_alert_ack
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_alert_ack_no_truncate BEFORE TRUNCATE ON audit_alert_ack
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND NEW.last_seq > OLD.last_seq THEN RETURN NEW; END IF; RAISE EXCEPTION 'audit_head moves only when audit_event rows are appended: % refused', TG_OP USING ERRCODE = '42501'; END $$;
CREATE TRIGGER audit_head_guarded BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE FUNCTION audit_lock_head() RETURNS TABLE (last_seq bigint, last_hash text) LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN RETURN QUERY SELECT h.last_seq, h.last_hash FROM audit_head h FOR UPDATE; END $$;
CREATE FUNCTION audit_event_extend_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE head record; added record; BEGIN
  SELECT h.last_seq, h.last_hash INTO head FROM audit_head h FOR UPDATE; SELECT count(*) AS n, min(seq) AS first_seq, max(seq) AS last_seq INTO added FROM new_rows; IF added.n = 0 THEN RETURN NULL; END IF
  ; IF added.first_seq <> head.last_seq + 1 OR added.last_seq <> head.last_seq + added.n OR EXISTS (
    SELECT 1 FROM new_rows r LEFT JOIN new_rows p ON p.seq = r.seq - 1
     WHERE r.prev_hash IS DISTINCT FROM (CASE WHEN r.seq = head.last_seq + 1 THEN head.last_hash ELSE p.hash END))
  THEN RAISE EXCEPTION 'audit_event rows % to % do not extend the chain (head is at %)', added.first_seq, added.last_seq, head.last_seq USING ERRCODE = '23514'; END IF
  ; UPDATE audit_head SET last_seq = added.last_seq, last_hash = (SELECT r.hash FROM new_rows r WHERE r.seq = added.last_seq); RETURN NULL; END $$;
CREATE TRIGGER audit_event_chained AFTER INSERT ON audit_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_extend_chain();
DO $$ BEGIN EXECUTE format('ALTER FUNCTION audit_lock_head() SET search_path = pg_catalog, %I, pg_temp', current_schema()); EXECUTE format('ALTER FUNCTION audit_event_extend_chain() SET search_path = pg_catalog, %I, pg_temp', current_schema()); END $$;
`,
  },
  {
    // Chain version 2 (audit.chain.ts): the database links each row as it numbers it, so an append is one
    // statement, and outside a transaction one round trip, instead of lock, insert and commit (ADR 13). The
    // statement trigger of access-audit-001 still checks every INSERT, this one's included. Both keep one generic
    // plan for the session: replanning their statements on every call cost more than running them.
    id: 'access-audit-002',
    sql: `
ALTER TABLE audit_event ADD COLUMN chain_version smallint NOT NULL DEFAULT 1 CHECK (chain_version IN (1, 2));
CREATE FUNCTION audit_append(entries jsonb) RETURNS TABLE (appended_seq bigint, appended_prev_hash text, appended_hash text) LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE head record; digests text[]; prevs text[] := '{}'; hashes text[] := '{}'; h text; n integer; BEGIN
  SELECT a.last_seq, a.last_hash INTO head FROM audit_head a FOR UPDATE
  ; digests := ARRAY(SELECT e.v->>'digest' FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(v, i) ORDER BY e.i)
  ; n := coalesce(array_length(digests, 1), 0); h := head.last_hash
  ; FOR i IN 1..n LOOP
      IF digests[i] IS NULL OR digests[i] !~ '^[0-9a-f]{64}$' THEN RAISE EXCEPTION 'audit_append: entry % has no content digest', i USING ERRCODE = '22023'; END IF
      ; prevs := prevs || h
      ; h := encode(sha256(convert_to(h || E'\\n' || (head.last_seq + i)::text || E'\\n' || digests[i], 'UTF8')), 'hex')
      ; hashes := hashes || h
    ; END LOOP
  ; INSERT INTO audit_event (seq, recorded, event_type, patient_id, user_id, organisation_ods, organisation_kind, role_code,
      client_id, action, outcome, purpose_of_use, break_glass, self_claimed, request_id, event, chain_version, prev_hash, hash)
    SELECT head.last_seq + e.i, (e.v->>'recorded')::timestamptz, e.v->>'eventType', e.v->>'patientId', e.v->>'userId',
           e.v->>'organisationOds', e.v->>'organisationKind', e.v->>'roleCode', e.v->>'clientId', e.v->>'action',
           e.v->>'outcome', e.v->>'purposeOfUse', (e.v->>'breakGlass')::boolean, (e.v->>'selfClaimed')::boolean,
           e.v->>'requestId', e.v->>'event', 2, prevs[e.i], hashes[e.i]
      FROM jsonb_array_elements(entries) WITH ORDINALITY AS e(v, i)
  ; RETURN QUERY SELECT head.last_seq + g.i, prevs[g.i], hashes[g.i] FROM generate_series(1, n) AS g(i); END $$;
DO $$ BEGIN EXECUTE format('ALTER FUNCTION audit_append(jsonb) SET search_path = pg_catalog, %I, pg_temp', current_schema()); END $$;
ALTER FUNCTION audit_append(jsonb) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION audit_event_extend_chain() SET plan_cache_mode = force_generic_plan;
`,
  },
];
