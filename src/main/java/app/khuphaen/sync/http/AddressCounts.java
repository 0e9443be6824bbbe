package app.khuphaen.sync.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Open connections per client address, each address up to a cap. Thread-safe. */
final class AddressCounts {
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final int maxPerAddress;

  AddressCounts(int maxPerAddress) {
    this.maxPerAddress = maxPerAddress;
  }

  /** Counts one more from {@code address}; false (and nothing counted) when it is at the cap. */
  boolean tryOpen(String address) {
    boolean[] allowed = {false};
    perAddress.compute(address, (k, n) -> {
      int current = n == null ? 0 : n;
      allowed[0] = current < maxPerAddress;
      return allowed[0] ? current + 1 : n;
    });
    return allowed[0];
  }

  void closed(String address) {
    perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
  }
}
