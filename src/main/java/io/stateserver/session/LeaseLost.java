package io.stateserver.session;

/**
 * This node's lease ran out because it could not renew it (the database is unreachable from this
 * node): published locally by the session verticle when clustered, at the renewal that finds the
 * lease lost and again at each failed renewal while it stays lost (for connections that opened
 * meanwhile). Its clients are sent to the other nodes, where they resume their sessions before
 * those count as ended.
 *
 * @param nodeId this node
 * @param ranOutAt when the last lease it wrote ran out (epoch ms)
 */
public record LeaseLost(String nodeId, long ranOutAt) {}
