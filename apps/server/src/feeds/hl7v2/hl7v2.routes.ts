import type { FastifyInstance } from 'fastify';
import type { createHl7FeedService } from './hl7v2.service.ts';

export const HL7_MEDIA_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2', 'application/edi-hl7v2'];

/**
 * `POST /hl7v2`: the same messages as the MLLP listener, one per request, for senders that speak HTTP. The
 * sender proves who it is with `Authorization: Bearer <its secret>`; the answer is the ACK, 200 whatever its
 * code (AA, AE or AR are HL7's answers, not HTTP errors). When the message could not be committed the request
 * fails with 503 and no ACK, so the sender resends.
 */
export function registerHl7Routes(app: FastifyInstance, service: ReturnType<typeof createHl7FeedService>) {
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
}
