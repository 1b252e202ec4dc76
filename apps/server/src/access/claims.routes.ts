import type { FastifyInstance } from 'fastify';
import { badRequest, isValidId } from '@joinedup/fhir';
import type { Principal } from './principal.ts';
import type { ClaimRequest, ClaimService } from './claims.service.ts';

export interface ClaimRouteOptions {
  /** Who is calling, from the `Authorization` header (401 to refuse). */
  authenticate: (authorization: string | undefined) => Promise<Principal>;
}

const MAX_BODY = 4 * 1024;
const MAX_REASON_CODE = 64;
const MAX_JUSTIFICATION = 1_000;

/**
 * `POST /access/claims`: a user claims a relationship with a patient (self-claimed, or break-glass), with a coded
 * reason and free text: 201 with the claim and its expiry (break-glass 8 hours, self-claimed 24), the privacy
 * officer alerted by the same commit. `GET /access/claims`: the caller's claims still running.
 */
export function registerClaimRoutes(app: FastifyInstance, claims: ClaimService, options: ClaimRouteOptions) {
  app.post('/access/claims', { bodyLimit: MAX_BODY }, async (request, reply) => {
    const principal = await options.authenticate(request.headers.authorization);
    const claim = await claims.claim(principal, claimRequestOf(request.body), { networkAddress: request.ip });
    return reply.code(201).send(claim);
  });
  app.get('/access/claims', async (request) => {
    const principal = await options.authenticate(request.headers.authorization);
    return { claims: await claims.activeClaims(principal) };
  });
}

function claimRequestOf(body: unknown): ClaimRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The body is a JSON object');
  const b = body as Record<string, unknown>;
  const { patient, kind, reasonCode, justification } = b;
  if (typeof patient !== 'string' || !isValidId(patient)) throw invalid('patient must be a Patient id');
  if (kind !== 'break-glass' && kind !== 'self-claimed') throw invalid('kind must be break-glass or self-claimed');
  if (typeof reasonCode !== 'string' || reasonCode.length === 0 || reasonCode.length > MAX_REASON_CODE) {
    throw invalid('reasonCode must be one of the coded reasons');
  }
  if (justification !== undefined && (typeof justification !== 'string' || justification.length > MAX_JUSTIFICATION)) {
    throw invalid(`justification must be text of at most ${MAX_JUSTIFICATION} characters`);
  }
  const trimmed = typeof justification === 'string' ? justification.trim() : '';
  return { patientId: patient, kind, reasonCode, ...(trimmed ? { justification: trimmed } : {}) };
}

function invalid(message: string) {
  return badRequest(message, { code: 'access.claim-invalid' });
}
