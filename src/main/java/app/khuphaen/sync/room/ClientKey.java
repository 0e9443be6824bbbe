package app.khuphaen.sync.room;

import io.netty.util.NetUtil;

/**
 * The key a client address's quotas count against (rooms it created, room codes it missed, what it
 * makes the store write): an IPv4 address as it is, an IPv6 address by its /64, which one subscriber
 * usually holds whole, and an IPv4 address mapped into IPv6 as the IPv4 address.
 */
public final class ClientKey {
  private ClientKey() {}

  public static String of(String ip) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
    if (bytes == null || bytes.length == 4) {
      return ip;
    }
    if (isIpv4Mapped(bytes)) {
      return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
    }
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
    }
    return prefix.append(":/64").toString();
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }
}
