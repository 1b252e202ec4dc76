import type { Queryable } from '../platform/db.ts';

export type ClaimKind = 'self-claimed' | 'break-glass';

/** A claimed relationship, as stored. */
export interface Claim {
  id: string;
  patientId: string;
  userId: string;
  kind: ClaimKind;
  reasonCode: string;
  justification?: string;
  roleCode: string;
  organisationOds: string;
  startedAt: string;
  expiresAt: string;
}

interface ClaimRow {
  id: string;
  patient_id: string;
  user_id: string;
  kind: ClaimKind;
  reason_code: string;
  justification: string | null;
  role_code: string;
  organisation_ods: string;
  started_at: string;
  expires_at: string;
}

const COLUMNS =
  'id, patient_id, user_id, kind, reason_code, justification, role_code, organisation_ods, started_at, expires_at';

export async function insertClaim(q: Queryable, c: Claim): Promise<void> {
  await q.query(`INSERT INTO access_claim (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
    c.id,
    c.patientId,
    c.userId,
    c.kind,
    c.reasonCode,
    c.justification ?? null,
    c.roleCode,
    c.organisationOds,
    c.startedAt,
    c.expiresAt,
  ]);
}

/** A user's claims still running at `now`, newest first. */
export async function activeClaimsOf(q: Queryable, userId: string, now: string): Promise<Claim[]> {
  const rows = await q.query<ClaimRow>(
    `SELECT ${COLUMNS} FROM access_claim WHERE user_id = $1 AND expires_at > $2 ORDER BY started_at DESC, id`,
    [userId, now],
  );
  return rows.map((r) => ({
    id: r.id,
    patientId: r.patient_id,
    userId: r.user_id,
    kind: r.kind,
    reasonCode: r.reason_code,
    ...(r.justification === null ? {} : { justification: r.justification }),
    roleCode: r.role_code,
    organisationOds: r.organisation_ods,
    startedAt: new Date(r.started_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
  }));
}
