// The audit of every FHIR request (ADR 12; reliability rows 18 and 19): after the engine answered and before the
// answer is sent, one AuditEvent per patient whose record the request touched (what the response carried or the
// request wrote), or, for a refusal that touched nobody, one event naming the patient the path names, if any.
// Appended in one statement of its own; if it cannot be, the caller gets a 503 and nothing of the answer.
import type { FhirExchange } from '../fhir/api/fhir-http.ts';
import type { Db, Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import {
  buildPatientQueryEvent,
  buildPatientResourceEvent,
  outcomeOfStatus,
  type AccessPurpose,
  type AuditAgent,
  type AuditEntry,
  type AuditObserver,
  type QueryInteraction,
  type ResourceInteraction,
} from './audit/audit.events.ts';
import type { AuditService } from './audit/audit.service.ts';
import { agentOf } from './claims.service.ts';
import type { Principal } from './principal.ts';
import type { KnownClaim } from './visibility.ts';

export interface FhirAuditOptions {
  db: Db;
  clock: Clock;
  audit: AuditService;
  observer: AuditObserver;
}

type Interaction =
  { kind: 'resource'; interaction: ResourceInteraction } | { kind: 'query'; interaction: QueryInteraction };

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** The FHIR interaction a request was, from its method and path (the router's own rules, FHIR R4 http.html). */
export function interactionOf(method: string, path: string, bundleType: string | undefined): Interaction {
  const [a, b, c, d] = path.split('/').filter((s) => s.length > 0);
  const m = method === 'HEAD' ? 'GET' : method;
  const query = (interaction: QueryInteraction): Interaction => ({ kind: 'query', interaction });
  const resource = (interaction: ResourceInteraction): Interaction => ({ kind: 'resource', interaction });
  if (a === undefined) {
    if (m === 'POST' && (bundleType === 'batch' || bundleType === 'transaction')) return query(bundleType);
    return query('search-system');
  }
  if (a === '_history') return query('history-system');
  if (a === '_search' || !TYPE.test(a)) return query('search-system');
  if (b === undefined) {
    if (m === 'POST') return resource('create');
    if (m === 'PUT') return resource('update');
    if (m === 'PATCH') return resource('patch');
    if (m === 'DELETE') return resource('delete');
    return query('search-type');
  }
  if (b === '_search') return query('search-type');
  if (b === '_history') return query('history-type');
  if (c === undefined) {
    if (m === 'PUT') return resource('update');
    if (m === 'PATCH') return resource('patch');
    if (m === 'DELETE') return resource('delete');
    return resource('read');
  }
  if (c === '_history') return resource(d === undefined ? 'history-instance' : 'vread');
  if (c.startsWith('$')) return query('operation');
  return query('search');
}

/**
 * The audit of one caller's request. `claimOf` is what the request's row filter already learnt of the user's
 * claims for a patient (visibility.ts), so that only patients it did not look up are looked up again.
 */
export function fhirAuditFor(
  principal: Principal | undefined,
  options: FhirAuditOptions,
  claimOf: (patientKey: string) => KnownClaim | null | undefined = () => undefined,
) {
  return async (exchange: FhirExchange): Promise<void> => {
    const agent: AuditAgent = principal
      ? agentOf(principal, exchange.networkAddress)
      : { userId: 'anonymous', clientId: 'unknown', networkAddress: exchange.networkAddress };
    const interaction = interactionOf(exchange.method, exchange.path, exchange.bundleType);
    const outcome = outcomeOfStatus(
      exchange.status,
      exchange.error ? `${exchange.error.code ?? 'error'}: ${exchange.error.message}` : `HTTP ${exchange.status}`,
    );
    const patients = patientsOf(exchange);
    const recorded = options.clock.now();
    // No transaction: the claims not yet known are read first, then the append is one statement (ADR 13).
    const purposes = new Map<string, AccessPurpose>();
    const unknown: string[] = [];
    for (const id of patients.keys()) {
      const claim = claimOf(id);
      if (claim === undefined) unknown.push(id);
      else if (claim) purposes.set(id, purposeOfClaim(claim.kind, claim.reasonCode, claim.justification));
    }
    for (const [id, purpose] of await purposesOf(options.db, principal, unknown, recorded)) purposes.set(id, purpose);
    const entries: AuditEntry[] = [];
    const common = { recorded, agent, observer: options.observer, requestId: exchange.requestId, outcome };
    const one = (patientId: string | undefined, resource: { type: string; id: string } | undefined) => {
      const purpose = (patientId && purposes.get(patientId)) || defaultPurpose(principal);
      if (interaction.kind === 'resource' && resource) {
        return buildPatientResourceEvent({
          ...common,
          patientId,
          purpose,
          interaction: interaction.interaction,
          resource,
        });
      }
      return buildPatientQueryEvent({
        ...common,
        patientId,
        purpose,
        interaction: interaction.kind === 'query' ? interaction.interaction : 'search',
        rawQuery: `${exchange.method} ${exchange.raw}`,
      });
    };
    for (const [patientId, resource] of patients) entries.push(one(patientId, resource));
    // A refusal touches nobody's record; it is audited all the same, naming the patient the path names, if any.
    if (entries.length === 0 && exchange.status >= 400) {
      const [type, id] = exchange.path.split('/');
      entries.push(one(type === 'Patient' && id ? id : undefined, type && id ? { type, id } : undefined));
    }
    if (entries.length > 0) await options.audit.append(entries);
  };
}

// The patients touched, each with the first resource of theirs (what a read or write event names). A resource's
// key is its patient's id; shared resources ('') and resources of no patient ('Type/id') are nobody's record.
function patientsOf(exchange: FhirExchange): Map<string, { type: string; id: string }> {
  const patients = new Map<string, { type: string; id: string }>();
  for (const row of exchange.touched) {
    if (row.patientKey === '' || row.patientKey.includes('/')) continue;
    if (!patients.has(row.patientKey)) patients.set(row.patientKey, { type: row.resourceType, id: row.id });
  }
  return patients;
}

function defaultPurpose(principal: Principal | undefined): AccessPurpose | undefined {
  if (!principal) return undefined;
  if (principal.kind === 'patient') return { basis: 'own-record', purposeOfUse: 'PATRQT' };
  if (principal.kind === 'system') return { basis: 'scopes', purposeOfUse: 'TREAT' };
  return { basis: 'relationship', purposeOfUse: 'TREAT' };
}

// A member of staff reading under a live claim reads for its reason: break-glass is BTG, an emergency self-claim
// ETREAT (ADR 8), each with the reason given; the claim covers the person's every record.
async function purposesOf(
  q: Queryable,
  principal: Principal | undefined,
  patientIds: string[],
  now: Date,
): Promise<Map<string, AccessPurpose>> {
  const purposes = new Map<string, AccessPurpose>();
  if (principal?.kind !== 'staff' || patientIds.length === 0) return purposes;
  const rows = await q.query<{ patient_id: string; kind: string; reason_code: string; justification: string | null }>(
    `SELECT DISTINCT ON (p.patient_id) p.patient_id, c.kind, c.reason_code, c.justification
       FROM unnest($1::text[]) AS p(patient_id)
       JOIN mpi_record b ON b.patient_id = p.patient_id
       JOIN mpi_record a ON a.person_id = b.person_id
       JOIN access_claim c ON c.patient_id = a.patient_id
      WHERE c.user_id = $2 AND c.started_at <= $3 AND c.expires_at > $3
      ORDER BY p.patient_id, (c.kind = 'break-glass') DESC, c.started_at DESC`,
    [patientIds, principal.userId, now.toISOString()],
  );
  for (const row of rows) {
    purposes.set(row.patient_id, purposeOfClaim(row.kind, row.reason_code, row.justification));
  }
  return purposes;
}

function purposeOfClaim(kind: string, reasonCode: string, justification: string | null): AccessPurpose {
  const breakGlass = kind === 'break-glass';
  return {
    basis: breakGlass ? 'break-glass' : 'self-claimed',
    purposeOfUse: breakGlass ? 'BTG' : reasonCode === 'emergency-unable-to-consent' ? 'ETREAT' : 'TREAT',
    reasonCode,
    ...(justification ? { reasonText: justification } : {}),
  };
}
