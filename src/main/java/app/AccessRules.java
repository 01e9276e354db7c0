package app;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may call what, from the configuration: the public API's tokens, and the refusal to start a node whose ports
 * are reachable from other hosts without them. Bound to loopback, only this host can call it, and no token is
 * needed (as on a laptop); bound anywhere else, the admin port needs an admin token, and the API's writes a write
 * token unless {@code thermocline.http.require-write-token = off}.
 */
final class AccessRules {

  /** {@code thermocline.http.write-token}, {@code read-token} and {@code require-write-token} (on, off, auto). */
  record Access(String writeToken, String readToken, String requireWriteToken) {}

  private AccessRules() {}

  static Access read(Config root) {
    Config h = root.getConfig("thermocline.http");
    return new Access(h.getString("write-token"), h.getString("read-token"), h.getString("require-write-token"));
  }

  /** Throws with a message naming the setting to give when the node would be reachable without its tokens. */
  static void refuseUnprotected(Settings settings, Access access) {
    if (!loopback(settings.admin().iface()) && settings.admin().token().isBlank()) {
      throw new IllegalStateException("thermocline.admin.interface is " + settings.admin().iface()
          + " (reachable from other hosts) but no admin token is set: set thermocline.admin.token "
          + "(THERMOCLINE_ADMIN_TOKEN), or bind the admin port to 127.0.0.1");
    }
    boolean writeTokenRequired = switch (access.requireWriteToken()) {
      case "on" -> true;
      case "off" -> false;
      case "auto" -> !loopback(settings.http().iface());
      default -> throw new IllegalStateException("thermocline.http.require-write-token must be on, off or auto, not "
          + access.requireWriteToken());
    };
    if (writeTokenRequired && access.writeToken().isBlank()) {
      throw new IllegalStateException("thermocline.http.interface is " + settings.http().iface()
          + " (reachable from other hosts) but no write token is set: set thermocline.http.write-token "
          + "(THERMOCLINE_WRITE_TOKEN), bind the API to 127.0.0.1, or set thermocline.http.require-write-token = off");
    }
  }

  /** Whether an interface address is this host only (a name is resolved; 0.0.0.0 is every interface). */
  static boolean loopback(String iface) {
    try {
      return InetAddress.getByName(iface).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
