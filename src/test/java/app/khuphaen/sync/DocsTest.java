package app.khuphaen.sync;

import app.khuphaen.sync.config.Setting;
import app.khuphaen.sync.config.Settings;
import app.khuphaen.sync.protocol.Identifiers;
import app.khuphaen.sync.protocol.ErrorMessages;
import app.khuphaen.sync.room.RoomRefusal;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation in the repository names what the code has: settings, error strings. */
class DocsTest {
  private static final Pattern NAME = Pattern.compile("`([A-Z][A-Z0-9_]+)`");

  @Test
  void theReadmeSettingsTableListsEverySettingWithItsDefaultAndNothingElse() throws Exception {
    Set<String> inTable = new TreeSet<>();
    for (String line : Files.readAllLines(Path.of("README.md"))) {
      if (line.startsWith("| `")) {
        String[] cells = line.split("\\|");
        Matcher names = NAME.matcher(cells[1]);
        while (names.find()) {
          Setting setting = Setting.valueOf(names.group(1));
          inTable.add(setting.name());
          if (setting.defaultValue() != null) {
            assertThat(cells[2]).as("default of %s", setting).contains("`" + setting.defaultValue() + "`");
          }
        }
      }
    }
    assertThat(inTable).isEqualTo(catalogNames());
  }

  @Test
  void theOperationsGuideDescribesEverySetting() throws Exception {
    String guide = Files.readString(Path.of("docs/operations.md"));
    assertThat(Setting.values()).allSatisfy(setting -> assertThat(guide).contains("`" + setting.name() + "`"));
  }

  @Test
  void everySettingsNameIsInTheCatalog() throws Exception {
    assertThat(settingNames()).isEqualTo(catalogNames());
  }

  @Test
  void theProtocolDocNamesEveryErrorAndCloseReasonTheServerSends() throws Exception {
    String protocol = Files.readString(Path.of("docs/protocol.md"));
    List<String> messages = new ArrayList<>(stringConstants(ErrorMessages.class));
    messages.removeIf(m -> m.endsWith(": ")); // the prefix of a family, shown with its reason
    for (RoomRefusal.Reason reason : RoomRefusal.Reason.values()) {
      messages.add(reason.message);
    }
    messages.add(Identifiers.INVALID_PEER_ID);
    assertThat(messages).allSatisfy(message -> assertThat(protocol).contains(message));
  }

  @Test
  void everyDocLinkedFromTheReadmeExists() throws IOException {
    Matcher links = Pattern.compile("\\]\\((docs/[a-z-]+\\.md)").matcher(Files.readString(Path.of("README.md")));
    int found = 0;
    while (links.find()) {
      assertThat(Path.of(links.group(1))).exists();
      found++;
    }
    assertThat(found).isGreaterThanOrEqualTo(6);
  }

  private static Set<String> catalogNames() {
    Set<String> names = new TreeSet<>();
    for (Setting setting : Setting.values()) {
      names.add(setting.name());
    }
    return names;
  }

  private static Set<String> settingNames() throws IllegalAccessException {
    Set<String> names = new TreeSet<>();
    for (Field field : Settings.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        names.add((String) field.get(null));
      }
    }
    return names;
  }

  private static List<String> stringConstants(Class<?> type) throws IllegalAccessException {
    List<String> values = new ArrayList<>();
    for (Field field : type.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        values.add((String) field.get(null));
      }
    }
    return values;
  }
}
