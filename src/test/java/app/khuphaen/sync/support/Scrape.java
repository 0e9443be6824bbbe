package app.khuphaen.sync.support;

import java.util.HashMap;
import java.util.Map;

/** One scrape of /metrics (Prometheus text format), read by series. */
public final class Scrape {
  public final String text;
  private final Map<String, Double> series = new HashMap<>();

  public Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
  }

  public static Scrape of(TestServer server, Map<String, String> headers) {
    return of(server.http, headers);
  }

  public static Scrape of(Http http, Map<String, String> headers) {
    Http.Response response = http.request(io.vertx.core.http.HttpMethod.GET, "/metrics", null, headers);
    if (response.status() != 200) {
      throw new AssertionError("/metrics answered " + response.status() + ": " + response.body());
    }
    return new Scrape(response.body());
  }

  public static Scrape of(TestServer server) {
    return of(server, Map.of());
  }

  /** The series {@code name} without labels, or with the one label given ({@code key="value"}); 0 if absent. */
  public double value(String name) {
    return series.getOrDefault(name, 0.0);
  }

  public double value(String name, String key, String value) {
    return series.getOrDefault(name + "{" + key + "=\"" + value + "\"}", 0.0);
  }

  public boolean has(String name) {
    return series.keySet().stream().anyMatch(s -> s.equals(name) || s.startsWith(name + "{"));
  }
}
