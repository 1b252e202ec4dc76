// A patient's objection to sharing their record through the shared care record (domain.md 1.7, the local LCR
// objection; ADR 8): while it stands, each item of the person's record is seen only by the organisation it came
// from, except under break-glass, and the person is missing from other organisations' searches (visibility.ts).
// It is recorded against one source Patient and applies to the whole person the master patient index links.
// Every change, and every attempt refused, is one AuditEvent (ADR 13): a change and its event commit together.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden, isOperationOutcomeError, isValidId, notFound } from '@joinedup/fhir';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db.ts';
import type { Migration } from '../platform/migrate.ts';
import { buildObjectionEvent, outcomeOfStatus, type AuditObserver } from './audit/audit.events.ts';
import type { AuditService } from './audit/audit.service.ts';
import { agentOf } from './claims.service.ts';
import type { Principal } from './principal.ts';
import { roleGroupOf } from './policy.rules.ts';

export const objectionMigrations: Migration[] = [
  {
    id: 'access-objections-001',
    sql: `
CREATE TABLE access_objection (
  patient_id text PRIMARY KEY,
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  note text
);
`,
  },
];

export interface Objection {
  patient: string;
  recordedAt: string;
  recordedBy: string;
  note?: string;
}

const MAX_NOTE = 1_000;

/**
 * `PUT /access/objections/{patient}` records an objection, `DELETE` withdraws it, `GET /access/objections` lists
 * them. The patient records or withdraws their own (P9); a privacy officer (R0001) anyone's, and lists them.
 */
export function registerObjectionRoutes(
  app: FastifyInstance,
  options: {
    db: Db;
    clock: Clock;
    audit: AuditService;
    observer: AuditObserver;
    authenticate: (authorization: string | undefined) => Promise<Principal>;
  },
) {
  const { db, clock } = options;
  const mayChange = (principal: Principal, patientId: string) =>
    isPrivacyOfficer(principal) ||
    (principal.kind === 'patient' && principal.proofingLevel === 'P9' && principal.patient === patientId);

  // A change by a known caller, audited: on success the event is the transaction's last statement (it holds the
  // chain's lock until commit), so the change and its event stand or fall together; a refusal or failure is
  // appended on its own with its outcome, and then the caller is told.
  const audited = async <T>(
    request: FastifyRequest<{ Params: { patient: string } }>,
    change: 'recorded' | 'withdrawn',
    work: (principal: Principal, patientId: string, tx: Queryable) => Promise<T>,
  ): Promise<T> => {
    const principal = await options.authenticate(request.headers.authorization);
    const named = isValidId(request.params.patient) ? request.params.patient : undefined;
    const event = (status: number, description: string) =>
      buildObjectionEvent({
        recorded: clock.now(),
        agent: agentOf(principal, request.ip),
        observer: options.observer,
        patientId: named,
        requestId: request.id,
        purpose:
          principal.kind === 'patient'
            ? { basis: 'own-record', purposeOfUse: 'PATRQT' }
            : { basis: 'role', purposeOfUse: 'HOPERAT' },
        change,
        outcome: outcomeOfStatus(status, description),
      });
    try {
      const patientId = checkedPatient(request.params.patient);
      if (!mayChange(principal, patientId)) throw refused();
      return await db.transaction(async (tx) => {
        const result = await work(principal, patientId, tx);
        await options.audit.record(tx, [event(200, 'HTTP 200')]);
        return result;
      });
    } catch (e) {
      if (isOperationOutcomeError(e) && e.status < 500) {
        await options.audit.append([
          event(e.status, `${e.outcome.issue?.[0]?.details?.coding?.[0]?.code ?? 'error'}: ${e.message}`),
        ]);
      }
      throw e;
    }
  };

  app.put<{ Params: { patient: string } }>(
    '/access/objections/:patient',
    { bodyLimit: 4 * 1024 },
    async (request, reply) => {
      const objection = await audited(request, 'recorded', async (principal, patientId, tx) => {
        const body = (request.body ?? {}) as { note?: unknown };
        if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > MAX_NOTE)) {
          throw badRequest(`note must be text of at most ${MAX_NOTE} characters`, {
            code: 'access.objection-invalid',
          });
        }
        const known = await tx.query(`SELECT 1 FROM mpi_record WHERE patient_id = $1`, [patientId]);
        if (known.length === 0)
          throw notFound(`Patient/${patientId} is not known`, { code: 'access.objection-patient-unknown' });
        const [row] = await tx.query<ObjectionRow>(
          `INSERT INTO access_objection (patient_id, recorded_at, recorded_by, note) VALUES ($1, $2, $3, $4)
           ON CONFLICT (patient_id) DO UPDATE SET recorded_at = EXCLUDED.recorded_at, recorded_by = EXCLUDED.recorded_by, note = EXCLUDED.note
           RETURNING patient_id, recorded_at, recorded_by, note`,
          [
            patientId,
            clock.now().toISOString(),
            principal.kind === 'system' ? principal.clientId : principal.userId,
            typeof body.note === 'string' ? body.note : null,
          ],
        );
        return objectionOf(row!);
      });
      return reply.code(200).send(objection);
    },
  );

  app.delete<{ Params: { patient: string } }>('/access/objections/:patient', async (request, reply) => {
    await audited(request, 'withdrawn', async (_principal, patientId, tx) => {
      const removed = await tx.query(`DELETE FROM access_objection WHERE patient_id = $1 RETURNING patient_id`, [
        patientId,
      ]);
      if (removed.length === 0)
        throw notFound(`No objection is recorded for Patient/${patientId}`, { code: 'access.objection-unknown' });
    });
    return reply.code(204).send();
  });

  app.get('/access/objections', async (request) => {
    const principal = await options.authenticate(request.headers.authorization);
    if (!isPrivacyOfficer(principal)) throw refused();
    const rows = await db.query<ObjectionRow>(
      `SELECT patient_id, recorded_at, recorded_by, note FROM access_objection ORDER BY recorded_at DESC, patient_id LIMIT 1000`,
    );
    return { objections: rows.map(objectionOf) };
  });
}

type ObjectionRow = { patient_id: string; recorded_at: string | Date; recorded_by: string; note: string | null };

function objectionOf(row: ObjectionRow): Objection {
  return {
    patient: row.patient_id,
    recordedAt: new Date(row.recorded_at).toISOString(),
    recordedBy: row.recorded_by,
    ...(row.note ? { note: row.note } : {}),
  };
}

function isPrivacyOfficer(principal: Principal): boolean {
  return principal.kind === 'staff' && roleGroupOf(principal.roleCode) === 'privacy-officer';
}

function checkedPatient(id: string): string {
  if (!isValidId(id)) throw badRequest('The path names a Patient id', { code: 'access.objection-invalid' });
  return id;
}

function refused() {
  return forbidden('Only the patient, or a privacy officer, records or withdraws an objection', {
    code: 'access.objection-not-entitled',
  });
}
