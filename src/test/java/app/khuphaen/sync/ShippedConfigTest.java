package app.khuphaen.sync;

import app.khuphaen.sync.config.Setting;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ships is what is documented: {@code conf/config.json}, which the image copies in and the
 * README's command reads from the working directory, sets nothing to a value other than the
 * catalog's default (the documented one). A deployment's own values belong in its own file or its
 * environment.
 */
class ShippedConfigTest {

  @Test
  void theShippedConfigFileHoldsOnlyDocumentedDefaults() throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf/config.json")));
    assertThat(shipped.fieldNames()).isNotEmpty();
    for (String name : shipped.fieldNames()) {
      Setting setting = Setting.valueOf(name);
      assertThat(String.valueOf(shipped.getValue(name))).as("conf/config.json %s", name).isEqualTo(setting.defaultValue());
    }
  }
}
