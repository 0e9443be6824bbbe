package app.khuphaen.sync.protocol;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** The rules for room codes, host ids and peer ids (PROTOCOL.md "Identifiers"), in one place. */
public final class Identifiers {
  private static final String CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  private static final int GENERATED_CODE_LENGTH = 6;
  private static final Pattern DESIRED_CODE = Pattern.compile("[A-Za-z0-9_-]{4,64}");
  private static final int MAX_PEER_ID_LENGTH = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  public static final String INVALID_ROOM_CODE =
      "Invalid room code: expected 4-64 characters of A-Z, a-z, 0-9, '_' or '-'";
  public static final String INVALID_HOST_ID =
      "Invalid host id: expected 1-128 characters without control characters";
  public static final String INVALID_PEER_ID =
      "peer_id must be 1-128 characters without control characters";
  /** Bidirectional embeddings, overrides and isolates: they make one peer id display as another. */
  private static final Pattern BIDI_CONTROLS = Pattern.compile("[\\u202A-\\u202E\\u2066-\\u2069]");

  private Identifiers() {}

  public static String generateRoomCode() {
    StringBuilder code = new StringBuilder(GENERATED_CODE_LENGTH);
    for (int i = 0; i < GENERATED_CODE_LENGTH; i++) {
      code.append(CODE_ALPHABET.charAt(RANDOM.nextInt(CODE_ALPHABET.length())));
    }
    return code.toString();
  }

  public static String generateHostId() {
    byte[] bytes = new byte[4];
    RANDOM.nextBytes(bytes);
    return "host_" + HexFormat.of().formatHex(bytes);
  }

  /** Whether a client-supplied room code (desired, joined or looked up) is well-formed. */
  public static boolean isValidRoomCode(String code) {
    return code != null && DESIRED_CODE.matcher(code).matches();
  }

  /** Codes are case-insensitive: stored and returned upper-cased. */
  public static String normalizeRoomCode(String code) {
    return code.toUpperCase(Locale.ROOT);
  }

  /**
   * Peer ids and desired host ids: 1-128 characters, no control characters, no bidirectional
   * controls, and no unpaired surrogate (it has no UTF-8 form: it would reach the others as "?").
   */
  public static boolean isValidPeerId(String id) {
    if (id == null || id.isEmpty() || id.codePointCount(0, id.length()) > MAX_PEER_ID_LENGTH) {
      return false;
    }
    // codePoints() yields an unpaired surrogate as a code point of its own
    return id.codePoints().noneMatch(c -> Character.isISOControl(c) || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE))
        && !BIDI_CONTROLS.matcher(id).find();
  }
}
