package app.khuphaen.sync.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What the store keeps of the rooms' documents, the rules every store applies alike.
 *
 * <p><b>Revisions are thinned by age</b> once a room has more than {@code keepRevisions}. A room's
 * newest revision is always kept. An older one is
 * placed by its age (behind the newest) on a level: level k holds the ages from
 * {@code spacing × (2^k − 1)} to {@code spacing × (2^(k+1) − 1)}, and on it time is cut into slots of
 * {@code spacing × 2^k}; of each slot only its newest revision is kept, and of all that, at most
 * {@code keepRevisions}, the newest. So the kept revisions are dense just behind the newest and
 * sparser the older they get, whether the front end syncs twice a second or once an hour: with a
 * spacing of 10 s, ten revisions reach back several minutes of continuous typing, not five seconds.
 * Slots are aligned to the clock, so a revision kept once stays kept until a newer one shares its
 * (coarser) slot. A spacing of 0 keeps the newest {@code keepRevisions}, one per write.
 *
 * <p><b>The store holds at most {@code maxBytes} of documents.</b> Past it, old revisions (never a
 * room's newest) go, the oldest of the room that holds the most first, until the documents fit
 * again; when only newest revisions are left, a write that would grow the total is refused
 * ({@link SaveOutcome#STORE_FULL}) rather than letting the disk fill.
 */
public record StoreLimits(int keepRevisions, long spacingMillis, long maxBytes) {

  /** The newest {@code revisions} per room, one per write, without a bound on the total (the old rules). */
  public static StoreLimits keeping(int revisions) {
    return new StoreLimits(revisions, 0, Long.MAX_VALUE);
  }

  /** Which of one room's revisions ({@code newestFirst}) to keep, newest first. */
  public List<RevisionInfo> kept(List<RevisionInfo> newestFirst) {
    if (newestFirst.size() <= keepRevisions) {
      return newestFirst; // room for every one: nothing to thin
    }
    List<RevisionInfo> kept = new ArrayList<>();
    RevisionInfo newest = newestFirst.get(0);
    kept.add(newest);
    Set<String> slots = new HashSet<>();
    long newestMs = newest.writtenAt().toEpochMilli();
    for (int i = 1; i < newestFirst.size() && kept.size() < keepRevisions; i++) {
      RevisionInfo revision = newestFirst.get(i);
      if (spacingMillis <= 0) {
        kept.add(revision);
        continue;
      }
      long writtenMs = revision.writtenAt().toEpochMilli();
      long age = Math.max(0, newestMs - writtenMs);
      int level = Math.min(40, 63 - Long.numberOfLeadingZeros(age / spacingMillis + 1));
      long slotMs = spacingMillis << level;
      if (slots.add(level + "/" + Math.floorDiv(writtenMs, slotMs))) {
        kept.add(revision);
      }
    }
    return kept;
  }

  /** One revision to delete to bring the total down. */
  public record Removal(String room, long revision, long bytes) {}

  /**
   * The old revisions to delete so that {@code excessBytes} fewer are stored, the oldest of the room
   * holding the most first; null when deleting every old revision would not be enough.
   *
   * @param oldRevisions each room's revisions other than its newest, oldest first
   * @param roomBytes what each room holds, its newest revision included
   */
  public static List<Removal> trim(Map<String, List<RevisionInfo>> oldRevisions, Map<String, Long> roomBytes,
                                   long excessBytes) {
    Map<String, Long> held = new HashMap<>(roomBytes);
    Map<String, Deque<RevisionInfo>> left = new HashMap<>();
    oldRevisions.forEach((room, revisions) -> left.put(room, new ArrayDeque<>(revisions)));
    PriorityQueue<String> largest = new PriorityQueue<>(
        Comparator.comparingLong((String room) -> held.getOrDefault(room, 0L)).reversed().thenComparing(room -> room));
    left.forEach((room, revisions) -> {
      if (!revisions.isEmpty()) {
        largest.add(room);
      }
    });
    List<Removal> removals = new ArrayList<>();
    long excess = excessBytes;
    while (excess > 0 && !largest.isEmpty()) {
      String room = largest.poll();
      RevisionInfo oldest = left.get(room).pollFirst();
      removals.add(new Removal(room, oldest.revision(), oldest.size()));
      excess -= oldest.size();
      held.merge(room, -oldest.size(), Long::sum);
      if (!left.get(room).isEmpty()) {
        largest.add(room);
      }
    }
    return excess > 0 ? null : removals;
  }
}
