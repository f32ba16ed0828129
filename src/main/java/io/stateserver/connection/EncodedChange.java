package io.stateserver.connection;

import io.vertx.core.buffer.Buffer;

/**
 * A change whose frame has been encoded once on this node; every local subscriber is sent these
 * same bytes. Local-only (see {@link io.stateserver.bus.LocalCodec}).
 *
 * @param key the changed key
 * @param version its new version
 * @param ts commit time, epoch ms (for the fan-out latency metric)
 * @param frame the encoded change frame; never modified after creation
 */
public record EncodedChange(String key, long version, long ts, Buffer frame) {}
