package app.khuphaen.sync;

import app.khuphaen.sync.config.DatabaseUrl;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.store.JdbcRoomStore;
import app.khuphaen.sync.store.JdbcTarget;
import app.khuphaen.sync.store.MemoryRoomStore;
import app.khuphaen.sync.store.RoomStore;
import app.khuphaen.sync.store.StoreLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;

/** Opens the store the settings choose. */
public final class Stores {
  private Stores() {}

  public static Future<RoomStore> open(Vertx vertx, Settings settings) {
    return switch (settings.store()) {
      case MEMORY -> Future.succeededFuture(new MemoryRoomStore(limits(settings)));
      case SQLITE -> JdbcRoomStore.sqlite(vertx, Path.of(settings.dataDir()), limits(settings));
      case POSTGRES -> JdbcRoomStore.postgres(vertx, target(settings.databaseUrl()), limits(settings));
    };
  }

  private static StoreLimits limits(Settings settings) {
    return new StoreLimits(settings.documentRevisions(), settings.quotas().revisionSpacingSeconds() * 1000L,
        settings.quotas().storeMaxBytes());
  }

  private static JdbcTarget target(DatabaseUrl url) {
    return new JdbcTarget(url.jdbcUrl(), url.user(), url.password(), url.display());
  }
}
