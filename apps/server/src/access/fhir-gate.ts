import { forbidden } from '@joinedup/fhir';
import type { FhirInteraction, FhirPermit } from '../fhir/api/fhir-http.ts';
import { fhirAuditFor, type FhirAuditOptions } from './fhir-audit.ts';
import { rowFilterFor, type VisibilityOptions } from './visibility.ts';
import { narrowingOf, type NarrowingResult } from './scope-narrowing.ts';
import type { SearchDefinitions } from '../fhir/definitions/search-parameters.ts';
import type { ClientRegistry } from './clients.ts';
import type { Principal, SystemPrincipal } from './principal.ts';
import { checkScopes, type Interaction, type ScopeContext } from './scopes.ts';

// The FHIR API's door (ADR 11): every request but the CapabilityStatement names its caller with a bearer token
// (or, until feeds move to backend services, a JOINEDUP_CLIENTS secret), and every interaction, each entry of a
// batch or transaction too, is checked against the SMART scopes the caller was granted. Deny by default. Which
// patients' records a caller may see (relationships, objections, sensitive items) is decided inside the data layer.

/** Who is calling, from the `Authorization` header: a verified token, or a configured shared-secret client. */
export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/**
 * Bearer JWTs go to the token verifier; any other bearer value is looked up among the shared-secret clients, each
 * a backend system with every system scope (what they could do before sign-in existed). Nothing else gets in: no
 * header is 401 (`access.token-missing`, from the verifier).
 */
export function createAuthenticator(options: {
  verify: (authorization: string | undefined) => Promise<Principal>;
  clients: ClientRegistry;
}): Authenticate {
  return async (authorization) => {
    const value = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const isSecret = value !== undefined && value.split('.').length !== 3;
    const client = isSecret ? options.clients.identify(authorization) : undefined;
    if (!client) return options.verify(authorization);
    const principal: SystemPrincipal = {
      kind: 'system',
      clientId: client.id,
      scopes: ['system/*.cruds'],
      resourceScopes: [{ context: 'system', resourceType: '*', permissions: 'cruds' }],
      tokenId: `client:${client.id}`,
      expiresAt: Number.POSITIVE_INFINITY,
      ...(client.source ? { source: client.source } : {}),
    };
    return principal;
  };
}

/**
 * What the FHIR API needs of a caller: the organisation it writes for, its permission check (the door), and the
 * row filter that keeps what it may not see out of every statement (the data layer, ADR 12).
 */
export function fhirCallerOf(
  authenticate: Authenticate,
  visibility: VisibilityOptions,
  audit: FhirAuditOptions | undefined,
  definitions: SearchDefinitions,
) {
  return async (authorization: string | undefined) => {
    const principal = await authenticate(authorization);
    const source = principal.kind === 'system' ? principal.source : undefined;
    const narrowing = narrowingOf(principal, definitions);
    // A narrowing that cannot be enforced narrows nothing here: the door refuses whatever only it would permit.
    const rowFilter = rowFilterFor(principal, {
      ...visibility,
      narrowing: narrowing.ok ? narrowing.narrowing : new Map(),
    });
    return {
      ...(source ? { source } : {}),
      permit: permitFor(principal, narrowing),
      rowFilter,
      ...(audit ? { audit: fhirAuditFor(principal, audit, (key) => rowFilter.claimOf(key)) } : {}),
    };
  };
}

/** SMART permission letters each interaction needs (a conditional write searches first, so it needs `s` too). */
const NEEDS: Record<FhirInteraction, readonly Interaction[]> = {
  read: ['read'],
  vread: ['read'],
  'history-instance': ['read'],
  'history-type': ['search'],
  'history-system': ['search'],
  'search-type': ['search'],
  'search-system': ['search'],
  'search-compartment': ['search'],
  everything: ['read', 'search'],
  create: ['create'],
  update: ['update'],
  patch: ['update'],
  delete: ['delete'],
  'conditional-update': ['search', 'update'],
  'conditional-patch': ['search', 'update'],
  'conditional-delete': ['search', 'delete'],
};

// Interactions that return resources of every type, whatever the one named.
const EVERY_TYPE = new Set<FhirInteraction>(['history-system', 'search-system', 'everything']);
// Search parameters that bring in resources of other types than the one searched, or test other types' rows.
const CROSS_TYPE = /^(_include|_revinclude|_type|_has)(:|$)|^[^:]+\./;

/**
 * The permission check of a principal: every SMART permission the interaction needs, on the type it acts on (or
 * on every type, `*`, for an interaction or a search that reaches other types), in the principal's context:
 * `system/` scopes for a system; `user/` scopes for staff, and `patient/` scopes too inside the record of the
 * patient their app was launched with; a patient's scopes only inside their own record. A scope narrowed by a
 * search (`?category=...`) permits reads and searches whose rows the row filter then narrows (scope-narrowing.ts,
 * ADR 11), and no writes; one that cannot be enforced permits nothing.
 */
export function permitFor(principal: Principal, narrowing: NarrowingResult): FhirPermit {
  return (check) => {
    const { interaction, id, query } = check;
    const crossType = EVERY_TYPE.has(interaction) || (query ?? []).some(([name]) => CROSS_TYPE.test(name));
    const resourceType = crossType || check.resourceType === undefined ? '*' : check.resourceType;
    const context = contextOf(principal, check.resourceType, interaction, id);
    if (context === undefined)
      refuse(`${describe(check.interaction, check.resourceType)} is outside this token's patient`);
    for (const need of NEEDS[interaction]) {
      const result = checkScopes(principal.resourceScopes, { interaction: need, resourceType, context });
      if (!result.permitted) refuse(`This token's scopes do not allow ${describe(interaction, check.resourceType)}`);
      if (result.queries.length === 0) continue;
      if (need !== 'read' && need !== 'search') {
        refuse(
          `This token's scopes allow ${describe(interaction, check.resourceType)} only narrowed by a search, and a narrowed scope permits no writes`,
        );
      }
      if (!narrowing.ok) refuse(narrowing.message);
    }
  };
}

/** The SMART context a check is made in; undefined when the principal may not act there at all. */
function contextOf(
  principal: Principal,
  resourceType: string | undefined,
  interaction: FhirInteraction,
  id: string | undefined,
): ScopeContext | undefined {
  if (principal.kind === 'system') return 'system';
  const patient = principal.kind === 'patient' ? principal.patient : principal.launch?.patient;
  const inPatientRecord =
    patient !== undefined &&
    id === patient &&
    ((resourceType === 'Patient' && ['read', 'vread', 'history-instance', 'everything'].includes(interaction)) ||
      interaction === 'search-compartment');
  if (principal.kind === 'patient') {
    // Record access needs high identity proofing (domain.md 1.4: NHS login P9).
    return inPatientRecord && principal.proofingLevel === 'P9' ? 'patient' : undefined;
  }
  return inPatientRecord ? 'patient' : 'user';
}

function describe(interaction: FhirInteraction, resourceType: string | undefined): string {
  return `${interaction}${resourceType ? ` of ${resourceType}` : ''}`;
}

function refuse(message: string): never {
  throw forbidden(message, { code: 'access.scope' });
}
