package app.khuphaen.sync;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Vert.x's JSON on jackson-core alone. jackson-databind is on the class path only for the JSON log
 * encoder; without this, Vert.x would see it and build an ObjectMapper at start-up, which nothing here
 * uses (every JSON value is a JsonObject, JsonArray or scalar).
 */
public final class CoreJsonFactory implements JsonFactory {
  private static final JsonCodec CODEC = new JacksonCodec();

  @Override
  public int order() {
    return 0; // before Vert.x's own default
  }

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
