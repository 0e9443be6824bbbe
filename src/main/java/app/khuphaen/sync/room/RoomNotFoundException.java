package app.khuphaen.sync.room;

import app.khuphaen.sync.protocol.ServerMessages;

/** Asked for a room that does not exist. */
public final class RoomNotFoundException extends RuntimeException {
  public RoomNotFoundException() {
    super(ServerMessages.ROOM_NOT_FOUND, null, false, false);
  }
}
