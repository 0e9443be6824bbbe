package app.khuphaen.sync.store;

import app.khuphaen.sync.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;

/** Opens the store the settings choose. */
public final class Stores {
  private Stores() {}

  public static Future<RoomStore> open(Vertx vertx, Settings settings) {
    return switch (settings.store()) {
      case MEMORY -> Future.succeededFuture(new MemoryRoomStore(settings.documentRevisions()));
      case SQLITE -> JdbcRoomStore.sqlite(vertx, Path.of(settings.dataDir()), settings.documentRevisions());
      case POSTGRES -> JdbcRoomStore.postgres(vertx, settings.databaseUrl(), settings.documentRevisions());
    };
  }
}
