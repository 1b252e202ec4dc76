// HL7 v2 transport: MLLP framing and the MLLP listener. Bytes only; parsing and ACKs belong to feeds/hl7v2.

/** MLLP framing: an incremental decoder with bounded memory, and `frame()` to wrap a reply. */
export { createMllpDecoder, frame } from './mllp-framer.ts';
export type { MllpDecoder, MllpDecoderOptions, MllpFrameEvent, MllpFramingError } from './mllp-framer.ts';

/** The MLLP listener (TCP or TLS): one message at a time per connection, ACKed in order, with limits. */
export { MLLP_DEFAULTS, startMllpListener } from './mllp-listener.ts';
export type { MllpListener, MllpListenerOptions, MllpPeer, MllpTlsOptions } from './mllp-listener.ts';
