import type { Queryable } from '../../platform/db.ts';

/** A message to record in `feed_message` as applied, with the AA it will be answered. */
export interface FeedMessageRow {
  sender: string;
  controlId: string;
  messageType: string;
  sentAt: string;
  patientId: string;
  ack: string;
  raw: string;
}

/** Whether a message was claimed now (to be applied in this transaction), or the ACK it was given before. */
export type Claim = { claimed: true } | { claimed: false; ack: string };

const keyOf = (sender: string, controlId: string) => JSON.stringify([sender, controlId]);

/**
 * Claims many messages by sender and MSH-10 in one statement (each at most once in `rows`): a message not seen
 * before is inserted and claimed; one applied before is not, and its first ACK is returned. A message another
 * transaction was claiming at the same time is waited for, as one row's ON CONFLICT waits, and its ACK read once
 * that transaction has committed. Keyed by `claimKey`.
 */
export async function claimMessages(
  q: Queryable,
  rows: readonly FeedMessageRow[],
  receivedAt: string,
): Promise<Map<string, Claim>> {
  const claims = new Map<string, Claim>();
  if (rows.length === 0) return claims;
  // The SELECT reads the snapshot from before the INSERT, so it finds exactly the messages applied before
  // (a claimed row is new, and invisible to it).
  const found = await q.query<{ sender: string; control_id: string; claimed: boolean; ack: string | null }>(
    `WITH m AS (SELECT * FROM json_to_recordset($1::json)
                  AS m(sender text, control_id text, message_type text, sent_at text, patient_id text, ack text, raw text)),
          ins AS (INSERT INTO feed_message (sender, control_id, message_type, sent_at, received_at, outcome, patient_id, ack, raw)
                  SELECT sender, control_id, message_type, sent_at, $2, 'applied', patient_id, ack, raw FROM m
                  ON CONFLICT (sender, control_id) DO NOTHING
                  RETURNING sender, control_id)
     SELECT m.sender, m.control_id, i.sender IS NOT NULL AS claimed, f.ack
       FROM m LEFT JOIN ins i USING (sender, control_id)
              LEFT JOIN feed_message f USING (sender, control_id)`,
    [
      JSON.stringify(
        rows.map((r) => ({
          sender: r.sender,
          control_id: r.controlId,
          message_type: r.messageType,
          sent_at: r.sentAt,
          patient_id: r.patientId,
          ack: r.ack,
          raw: r.raw,
        })),
      ),
      receivedAt,
    ],
  );
  const unread: { sender: string; control_id: string }[] = [];
  for (const r of found) {
    if (r.claimed) claims.set(keyOf(r.sender, r.control_id), { claimed: true });
    else if (r.ack !== null) claims.set(keyOf(r.sender, r.control_id), { claimed: false, ack: r.ack });
    else unread.push(r);
  }
  if (unread.length > 0) {
    // Committed by another transaction after this statement's snapshot was taken: read it now.
    const late = await q.query<{ sender: string; control_id: string; ack: string }>(
      `SELECT f.sender, f.control_id, f.ack
         FROM feed_message f JOIN unnest($1::text[], $2::text[]) AS u(sender, control_id) USING (sender, control_id)`,
      [unread.map((r) => r.sender), unread.map((r) => r.control_id)],
    );
    for (const r of late) claims.set(keyOf(r.sender, r.control_id), { claimed: false, ack: r.ack });
  }
  return claims;
}

/** The key of a message in the map `claimMessages` returns. */
export const claimKey = (row: { sender: string; controlId: string }) => keyOf(row.sender, row.controlId);

/** Marks messages that changed nothing (every update in them older than what is stored) as `stale`. */
export async function markStale(q: Queryable, rows: readonly { sender: string; controlId: string }[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE feed_message f SET outcome = 'stale'
       FROM unnest($1::text[], $2::text[]) AS u(sender, control_id)
      WHERE f.sender = u.sender AND f.control_id = u.control_id`,
    [rows.map((r) => r.sender), rows.map((r) => r.controlId)],
  );
}

/** Marks a message parked for review (`outcome = 'parked'`), with the ACK it was answered. */
export async function parkMessage(q: Queryable, row: { sender: string; controlId: string }, ack: string) {
  await q.query(`UPDATE feed_message SET outcome = 'parked', ack = $3 WHERE sender = $1 AND control_id = $2`, [
    row.sender,
    row.controlId,
    ack,
  ]);
}

/** Messages parked for review, oldest first: what they were and about whom, never their text. */
export async function parkedMessages(q: Queryable, limit: number) {
  const rows = await q.query<{
    sender: string;
    control_id: string;
    message_type: string;
    received_at: string;
    patient_id: string | null;
  }>(
    `SELECT sender, control_id, message_type, received_at, patient_id FROM feed_message
      WHERE outcome = 'parked' ORDER BY received_at, sender, control_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    sender: r.sender,
    controlId: r.control_id,
    messageType: r.message_type,
    receivedAt: r.received_at,
    patientId: r.patient_id,
  }));
}
