import type { FastifyInstance } from 'fastify';
import { badRequest } from '@joinedup/fhir';
import type { createHl7FeedService } from './hl7v2.service.ts';

export const HL7_MEDIA_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2', 'application/edi-hl7v2'];

/**
 * `POST /hl7v2`: the same messages as the MLLP listener, one per request, for senders that speak HTTP. The
 * sender proves who it is with `Authorization: Bearer <its secret>`; the answer is the ACK, 200 whatever its
 * code (AA, AE or AR are HL7's answers, not HTTP errors). When the message could not be committed the request
 * fails with 503 and no ACK, so the sender resends.
 */
export interface Hl7RouteOptions {
  /** The data quality user a request acts as (401/403 otherwise), for the merge review endpoints. */
  userOf?: (authorization: string | undefined) => string;
}

const CONTROL_ID = /^[\x21-\x7e]{1,199}$/;
const FACILITY = /^[A-Za-z0-9._-]{1,64}$/;

export function registerHl7Routes(
  app: FastifyInstance,
  service: ReturnType<typeof createHl7FeedService>,
  options: Hl7RouteOptions = {},
) {
  app.addContentTypeParser(HL7_MEDIA_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/hl7v2', async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      reply.code(415).header('content-type', 'text/plain; charset=utf-8');
      return `Send one HL7 v2 message with Content-Type ${HL7_MEDIA_TYPES[0]}`;
    }
    const auth = request.headers.authorization;
    const secret = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const ack = await service.receive(body, { channel: 'http', address: request.ip, ...(secret ? { secret } : {}) });
    reply.code(200).header('content-type', `${HL7_MEDIA_TYPES[0]}; charset=utf-8`);
    return ack;
  });

  const { userOf } = options;
  if (!userOf) return;
  // Merges parked for review: a merge contradicting one already applied (reliability matrix row 11).
  app.get('/hl7v2/parked', async (request) => {
    userOf(request.headers.authorization);
    const raw = (request.query as Record<string, string | undefined>).limit;
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw badRequest('limit must be an integer from 1 to 1000', { code: 'request.invalid' });
    }
    return { parked: await service.parked(limit) };
  });
  // Reverses one A40: what it moved goes back to the prior Patient (409 when a later merge must go first).
  app.post('/hl7v2/merges/:sender/:controlId/unmerge', async (request) => {
    const user = userOf(request.headers.authorization);
    const { sender, controlId } = request.params as { sender: string; controlId: string };
    if (!FACILITY.test(sender) || !CONTROL_ID.test(controlId)) {
      throw badRequest('sender and controlId must be a sending facility and an MSH-10', { code: 'request.invalid' });
    }
    // Empty when there is no such merge or it was undone already: an unmerge is safe to repeat.
    return { moved: await service.unmerge(sender, controlId, user) };
  });
}
