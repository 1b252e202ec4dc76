import { randomUUID } from 'node:crypto';
import { badRequest, forbidden, notFound } from '@joinedup/fhir';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db.ts';
import { buildAccessAlertEvent, type AuditAgent, type AuditObserver } from './audit/audit.events.ts';
import type { AuditService } from './audit/audit.service.ts';
import { activeClaimsOf, insertClaim, type Claim, type ClaimKind } from './claims.store.ts';
import {
  BREAK_GLASS_MAX_MS,
  decideAccess,
  requesterFromPrincipal,
  SELF_CLAIM_MAX_MS,
  type Relationship,
} from './policy.rules.ts';
import type { Principal } from './principal.ts';

// A relationship claimed by the user when none is derived from the record (ADR 8; domain.md 2.4 requirements 2-5):
// self-claimed, or break-glass in an emergency. Who may claim, which reasons count and what free text is needed are
// the policy's (`decideAccess`); this service makes the claim durable and audited: the privacy officer's alert is
// committed with the claim, before anything of the record is served under it; a refused break-glass is audited
// too. The claims are consumed by the data layer's visibility (ADR 11 step 2).

export interface ClaimRequest {
  patientId: string;
  kind: ClaimKind;
  reasonCode: string;
  /** Free text: required for break-glass and for the emergency self-claim reason. */
  justification?: string;
}

export interface ClaimServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  observer: AuditObserver;
  patientExists: (id: string) => Promise<boolean>;
}

export function createClaimService(deps: ClaimServiceDeps) {
  /** Makes a claim for the principal, or refuses it: 400 malformed, 403 not entitled (audited for break-glass), 404. */
  async function claim(principal: Principal, request: ClaimRequest, from: { networkAddress?: string } = {}) {
    const now = deps.clock.now();
    const expiresAt = new Date(
      now.getTime() + (request.kind === 'break-glass' ? BREAK_GLASS_MAX_MS : SELF_CLAIM_MAX_MS),
    );
    const relationship: Relationship =
      request.kind === 'break-glass'
        ? {
            kind: 'break-glass',
            patientId: request.patientId,
            reasonCode: request.reasonCode,
            justification: request.justification ?? '',
            startedAt: now,
            expiresAt,
          }
        : {
            kind: 'self-claimed',
            patientId: request.patientId,
            reasonCode: request.reasonCode,
            ...(request.justification ? { justification: request.justification } : {}),
            startedAt: now,
            expiresAt,
          };
    // The claim is judged as the first look it allows: reading the patient's clinical record.
    const decision = decideAccess({
      requester: requesterFromPrincipal(principal),
      patient: { id: request.patientId, objectsToSharing: false, isRestricted: false },
      relationship,
      item: { resourceType: 'Patient', category: 'clinical', sourceOds: '', sensitivity: 'none' },
      action: 'read',
      purpose: request.kind === 'break-glass' ? 'ETREAT' : 'TREAT',
      now,
    });
    const agent = agentOf(principal, from.networkAddress);
    if (decision.outcome === 'invalid') {
      throw badRequest(
        decision.reason === 'justification-required'
          ? 'This claim needs a free-text justification'
          : 'reasonCode is not one of the reasons this kind of claim allows',
        { code: 'access.claim-invalid' },
      );
    }
    if (decision.outcome === 'deny') {
      if (decision.alert === 'break-glass-refused') {
        // Reliability matrix row 16: an unentitled break-glass is refused and audited, and alerts the privacy officer.
        await deps.db.transaction((tx) =>
          deps.audit.record(tx, [
            buildAccessAlertEvent({
              recorded: now,
              agent,
              observer: deps.observer,
              patientId: request.patientId,
              alert: 'break-glass-refused',
              reasonCode: request.reasonCode,
              ...(request.justification ? { reasonText: request.justification } : {}),
            }),
          ]),
        );
      }
      throw forbidden(`This ${request.kind} claim is not allowed to this user (${decision.reason})`, {
        code: 'access.claim-not-entitled',
      });
    }
    if (principal.kind !== 'staff')
      throw forbidden('Only staff claim relationships', { code: 'access.claim-not-entitled' });
    if (!(await deps.patientExists(request.patientId))) {
      throw notFound(`Patient/${request.patientId} is not known`, { code: 'access.claim-patient-unknown' });
    }
    const stored: Claim = {
      id: randomUUID(),
      patientId: request.patientId,
      userId: principal.userId,
      kind: request.kind,
      reasonCode: request.reasonCode,
      ...(request.justification ? { justification: request.justification } : {}),
      roleCode: principal.roleCode,
      organisationOds: principal.organisation.odsCode,
      startedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    };
    await deps.db.transaction(async (tx) => {
      await insertClaim(tx, stored);
      // Last in the transaction: the audit holds the chain's lock until commit (audit/README.md).
      await deps.audit.record(tx, [
        buildAccessAlertEvent({
          recorded: now,
          agent,
          observer: deps.observer,
          patientId: request.patientId,
          requestId: stored.id,
          alert: request.kind,
          purposeOfUse: decision.purposeOfUse,
          reasonCode: request.reasonCode,
          ...(request.justification ? { reasonText: request.justification } : {}),
        }),
      ]);
    });
    return stored;
  }

  /** The principal's claims still running. */
  function activeClaims(principal: Principal): Promise<Claim[]> {
    if (principal.kind !== 'staff') return Promise.resolve([]);
    return activeClaimsOf(deps.db, principal.userId, deps.clock.now().toISOString());
  }

  return { claim, activeClaims };
}

export type ClaimService = ReturnType<typeof createClaimService>;

/** A caller as the audit records users: as they were at the time (domain.md 1.5). */
export function agentOf(principal: Principal, networkAddress?: string): AuditAgent {
  const common = {
    clientId: principal.clientId,
    tokenId: principal.tokenId,
    ...(networkAddress ? { networkAddress } : {}),
  };
  switch (principal.kind) {
    case 'staff':
      return {
        ...common,
        userId: principal.userId,
        name: principal.name,
        roleCode: principal.roleCode,
        ...(principal.roleProfileId ? { roleProfileId: principal.roleProfileId } : {}),
        organisationOds: principal.organisation.odsCode,
        organisationName: principal.organisation.name,
        organisationKind: principal.organisation.kind,
        ...(principal.device ? { device: principal.device } : {}),
      };
    case 'patient':
      return { ...common, userId: principal.userId };
    case 'system':
      return {
        ...common,
        userId: principal.clientId,
        ...(principal.source ? { organisationOds: principal.source } : {}),
      };
  }
}
