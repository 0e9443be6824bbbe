package app.khuphaen.sync;

import app.khuphaen.sync.config.Setting;
import app.khuphaen.sync.config.SettingsLoader;
import app.khuphaen.sync.config.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line ({@code java -jar khu-phaen-sync.jar [OPTIONS]}), parsed with picocli. Its help
 * lists every setting from {@link Setting}, the same catalog the settings take their defaults from.
 */
@Command(name = "khu-phaen-sync", mixinStandardHelpOptions = true, versionProvider = CommandLineOptions.VersionText.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = "The Khu Phaen Sync Server: rooms, presence and documents for the Khu Phaen Task Tracker.%n"
        + "Settings come from the environment and from a JSON config file (the environment wins).")
final class CommandLineOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "the JSON config file (default: $" + SettingsLoader.CONFIG_FILE_ENV + ", else "
          + SettingsLoader.DEFAULT_CONFIG_FILE + " if present)")
  String configFile;

  @Option(names = "--check-config",
      description = "print the effective settings (secrets redacted) and exit: 0 when they are valid, 1 with the error otherwise")
  boolean checkConfig;

  /** The config file: {@code --config} wins over {@code CONFIG_FILE}; null for the default. */
  String configFile() {
    String file = configFile != null ? configFile : System.getenv(SettingsLoader.CONFIG_FILE_ENV);
    return file == null || file.isBlank() ? null : file;
  }

  /** Every setting, for {@code --help}: its name, its default, what it is for. */
  static String settingsHelp() {
    StringBuilder help = new StringBuilder("\nSettings (environment variable, or key in the config file):\n");
    for (Setting setting : Setting.values()) {
      help.append("  ").append(setting.name()).append(" (default ").append(setting.shownDefault()).append(")\n")
          .append("      ").append(setting.meaning()).append('\n');
    }
    return help.toString();
  }

  static final class VersionText implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {Version.NAME + " " + Version.VERSION};
    }
  }
}
