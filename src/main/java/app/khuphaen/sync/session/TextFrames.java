package app.khuphaen.sync.session;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * Writes an already-encoded UTF-8 text frame. Vert.x's public API only builds text frames from a
 * String, which would encode (and copy) a multi-MB document once per receiver; its frame class also
 * takes a ByteBuf, so one encoded buffer can go to every receiver while the write still passes
 * through Vert.x's own checks and write-queue accounting.
 */
final class TextFrames {
  private TextFrames() {}

  /** Writes {@code utf8} (ownership passes to the socket) as one final text frame. */
  static Future<Void> write(ServerWebSocket ws, ByteBuf utf8) {
    return ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, utf8, true));
  }
}
