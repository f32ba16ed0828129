package io.stateserver.bus;

import io.stateserver.cluster.BroadcastGaps;
import io.stateserver.connection.EncodedChange;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.persistence.StateStore;
import io.stateserver.protocol.StateException;
import io.stateserver.security.AccessChange;
import io.stateserver.security.RegistryOp;
import io.stateserver.session.LeaseHeld;
import io.stateserver.session.LeaseLost;
import io.stateserver.session.SessionControl;
import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.ChangeEvent;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Registers the codec of every message type, once, when the node starts. */
public final class Codecs {
  private Codecs() {}

  private static final List<Class<?>> LOCAL_TYPES =
      List.of(
          WriteCommand.Set.class,
          WriteCommand.Patch.class,
          WriteCommand.Delete.class,
          WriteCommand.Expire.class,
          WriteCommand.EndEphemeral.class,
          WriteCommand.RefreshPresence.class,
          WriteOutcome.class,
          StoredEntry.class,
          StateException.class,
          ReadQuery.Get.class,
          ReadQuery.GetMany.class,
          ReadQuery.Scan.class,
          ReadQuery.ChangedSince.class,
          ReadQuery.ExpiredKeys.class,
          ReadQuery.OwnedBy.class,
          ReadQuery.Ping.class,
          ReadQuery.Entries.class,
          ReadQuery.Keys.class,
          StateStore.Page.class,
          SessionOp.Open.class,
          SessionOp.Resume.class,
          SessionOp.Drop.class,
          SessionOp.DropEarlierRun.class,
          SessionOp.LeaseOf.class,
          SessionOp.Lease.class,
          SessionOp.Owns.class,
          SessionOp.RenewLeases.class,
          SessionOp.NodeBroadcasts.class,
          SessionOp.Broadcasts.class,
          SessionOp.FindExpired.class,
          SessionOp.BeginEnd.class,
          SessionOp.ResumedHereLater.class,
          SessionOp.MarkEnded.class,
          SessionOp.PruneEnded.class,
          SessionOp.PruneDeadNodes.class,
          SessionOp.Expired.class,
          EncodedChange.class,
          LeaseLost.class,
          BroadcastGaps.Gap.class,
          RegistryOp.IssueToken.class,
          RegistryOp.Register.class,
          RegistryOp.ListClients.class,
          RegistryOp.SetEnabled.class,
          RegistryOp.RotateSecret.class,
          RegistryOp.Revoke.class,
          RegistryOp.IssuedToken.class,
          RegistryOp.ClientSecret.class,
          RegistryOp.Clients.class);

  public static void register(EventBus bus) {
    for (Class<?> type : LOCAL_TYPES) {
      registerLocal(bus, type);
    }
    bus.registerDefaultCodec(
        ChangeEvent.class,
        new WireCodec<>(ChangeEvent.class, Codecs::changeToJson, Codecs::changeFromJson));
    bus.registerDefaultCodec(
        BroadcastBeacon.class,
        new WireCodec<>(BroadcastBeacon.class, BroadcastBeacon::toJson, BroadcastBeacon::fromJson));
    bus.registerDefaultCodec(
        SessionControl.class,
        new WireCodec<>(SessionControl.class, SessionControl::toJson, SessionControl::fromJson));
    bus.registerDefaultCodec(
        LeaseHeld.class, new WireCodec<>(LeaseHeld.class, LeaseHeld::toJson, LeaseHeld::fromJson));
    bus.registerDefaultCodec(
        AccessChange.class,
        new WireCodec<>(AccessChange.class, AccessChange::toJson, AccessChange::fromJson));
  }

  private static <T> void registerLocal(EventBus bus, Class<T> type) {
    bus.registerDefaultCodec(type, new LocalCodec<>(type));
  }

  static JsonObject changeToJson(ChangeEvent e) {
    JsonObject json =
        new JsonObject()
            .put("key", e.key())
            .put("version", e.version())
            .put("value", e.valueJson())
            .put("deleted", e.deleted())
            .put("ts", e.ts())
            .put("by", e.by());
    if (e.origin() != null) {
      json.put("origin", e.origin()).put("seq", e.seq());
    }
    return json;
  }

  /**
   * Reads a change; one without {@code origin} (from a node of an earlier release) is unnumbered.
   */
  static ChangeEvent changeFromJson(JsonObject json) {
    return new ChangeEvent(
        json.getString("key"),
        json.getLong("version"),
        json.getString("value"),
        json.getBoolean("deleted"),
        json.getLong("ts"),
        json.getString("by"),
        json.getString("origin"),
        json.getLong("seq", 0L));
  }
}
