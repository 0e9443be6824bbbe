package app.khuphaen.sync.room;

import app.khuphaen.sync.model.RoomRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret that proves a client is a room's host. Only its SHA-256 is kept (registry and store);
 * the key itself is handed out once, in the answer that creates the room.
 */
public final class HostKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private HostKeys() {}

  public static String generate() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** Whether {@code key} is the room's key; false for a room without one (created before keys existed). */
  public static boolean matches(RoomRecord room, String key) {
    if (key == null || room.hostKeyHash() == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(key).getBytes(StandardCharsets.US_ASCII),
        room.hostKeyHash().getBytes(StandardCharsets.US_ASCII));
  }
}
