package app.khuphaen.sync.store;

import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.support.Postgres;
import app.khuphaen.sync.support.TcpProxy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The durability contract on PostgreSQL: a database of its own on the machine's server, reached
 * through a proxy the test can cut to simulate an outage. Skipped where no PostgreSQL answers.
 */
class PostgresDurabilityTest extends DurabilityContract {
  private Postgres postgres;
  private Vertx proxyVertx;
  private TcpProxy proxy;

  @BeforeEach
  void createDatabase() {
    postgres = Postgres.createDatabase();
    proxyVertx = Vertx.vertx();
    proxy = TcpProxy.start(proxyVertx, Postgres.HOST, Postgres.PORT);
  }

  @AfterEach
  void dropDatabase() {
    if (proxy != null) {
      proxy.close();
      proxyVertx.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  protected JsonObject storeConfig() {
    return new JsonObject().put(Settings.DATABASE_URL, postgres.url(proxy.port()));
  }

  @Override
  protected void breakStore() {
    proxy.cut();
  }

  @Override
  protected void restoreStore() {
    proxy.restore();
  }

  @Override
  protected boolean readsFailDuringOutage() {
    return true;
  }
}
