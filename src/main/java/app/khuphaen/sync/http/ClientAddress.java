package app.khuphaen.sync.http;

import app.khuphaen.sync.config.ConfigException;
import app.khuphaen.sync.config.Settings;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is: the remote address, or, when the request comes from a trusted proxy
 * (TRUSTED_PROXIES), the nearest untrusted address in X-Forwarded-For; and whether it came over TLS
 * (X-Forwarded-Proto believed only from a trusted proxy), and the host it asked for (X-Forwarded-Host,
 * likewise). The one place where forwarded headers count.
 */
public final class ClientAddress {
  private final List<IpSubnetFilterRule> trusted = new ArrayList<>();

  public ClientAddress(List<String> trustedProxies) {
    for (String cidr : trustedProxies) {
      String[] parts = cidr.split("/", 2);
      if (!NetUtil.isValidIpV4Address(parts[0]) && !NetUtil.isValidIpV6Address(parts[0])) {
        throw invalid(cidr);
      }
      int maxPrefix = NetUtil.isValidIpV4Address(parts[0]) ? 32 : 128;
      try {
        int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : maxPrefix;
        if (prefix < 0 || prefix > maxPrefix) {
          throw invalid(cidr);
        }
        trusted.add(new IpSubnetFilterRule(parts[0], prefix, IpFilterRuleType.ACCEPT));
      } catch (NumberFormatException e) {
        throw invalid(cidr);
      }
    }
  }

  /** The client's IP address. */
  public String clientIp(SocketAddress remote, MultiMap headers) {
    String direct = remote.hostAddress();
    if (!isTrusted(direct)) {
      return direct;
    }
    List<String> lines = headers.getAll("X-Forwarded-For");
    if (lines.isEmpty()) {
      return direct;
    }
    // every line, in order: a proxy may add a line of its own rather than append to the client's
    // (HAProxy's option forwardfor), and the client's own first line must not be believed then
    String[] hops = String.join(",", lines).split(",");
    for (int i = hops.length - 1; i >= 0; i--) { // nearest first: the ones our proxies appended
      String hop = hops[i].trim();
      if (!isIp(hop)) {
        return direct; // garbage: do not let a client choose its address
      }
      if (!isTrusted(hop) || i == 0) {
        return hop;
      }
    }
    return direct;
  }

  /** Whether the client reached us over TLS: directly, or as a trusted proxy says. */
  public boolean isTls(boolean direct, SocketAddress remote, MultiMap headers) {
    if (direct) {
      return true;
    }
    String proto = headers.get("X-Forwarded-Proto");
    return proto != null && isTrusted(remote.hostAddress())
        && "https".equalsIgnoreCase(proto.split(",")[0].trim());
  }

  /**
   * The host the client asked for: what a trusted proxy says in X-Forwarded-Host (its first entry,
   * the one the client's request named), else the Host header; null when neither is there.
   */
  public String requestedHost(SocketAddress remote, MultiMap headers) {
    String forwarded = headers.get("X-Forwarded-Host");
    if (forwarded != null && isTrusted(remote.hostAddress())) {
      return forwarded.split(",")[0].trim();
    }
    return headers.get("Host");
  }

  /** Whether {@code ip} is one of TRUSTED_PROXIES. */
  boolean isTrustedProxy(String ip) {
    return isTrusted(ip);
  }

  private boolean isTrusted(String ip) {
    if (trusted.isEmpty() || !isIp(ip)) {
      return false;
    }
    InetAddress address = NetUtil.createInetAddressFromIpAddressString(ip);
    InetSocketAddress socket = new InetSocketAddress(address, 0);
    return trusted.stream().anyMatch(rule -> rule.matches(socket));
  }

  private static boolean isIp(String s) {
    return NetUtil.isValidIpV4Address(s) || NetUtil.isValidIpV6Address(s);
  }

  private static ConfigException invalid(String cidr) {
    return new ConfigException("Invalid setting " + Settings.TRUSTED_PROXIES + "=" + cidr
        + ": expected IP addresses or CIDR blocks such as 10.0.0.0/8 or fd00::/8, comma-separated");
  }
}
