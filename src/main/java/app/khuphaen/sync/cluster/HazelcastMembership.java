package app.khuphaen.sync.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Membership from Hazelcast. Node ids are the members' {@value #NODE_ID_ATTRIBUTE} attribute, as for
 * Vert.x. This node counts as separated from the moment it may have been dropped by the others (it
 * stood still for longer than the heartbeat timeout, or Hazelcast is merging it back after a split)
 * until it is merged back, or, when nobody dropped it, for {@link #STALL_GRACE_MS}.
 */
final class HazelcastMembership implements Membership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HazelcastMembership.class);
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  /** Covers the time until the resumed node's Hazelcast notices it was dropped and starts merging. */
  static final long STALL_GRACE_MS = 30_000;

  private final HazelcastInstance hz;
  private final String nodeId;
  private final CopyOnWriteArrayList<Consumer<String>> leftHandlers = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Runnable> separatedHandlers = new CopyOnWriteArrayList<>();
  private final StallWatchdog watchdog;
  private volatile long separatedUntilNanos = System.nanoTime();

  /** @param stallThresholdMs a stall after which the others may have dropped this node */
  HazelcastMembership(HazelcastInstance hz, long stallThresholdMs) {
    this.hz = hz;
    this.nodeId = hz.getCluster().getLocalMember().getAttribute(NODE_ID_ATTRIBUTE);
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        // nothing to do: a new node brings its own peers
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String left = event.getMember().getAttribute(NODE_ID_ATTRIBUTE);
        leftHandlers.forEach(h -> h.accept(left));
      }
    });
    hz.getLifecycleService().addLifecycleListener(this::lifecycle);
    this.watchdog = new StallWatchdog(stallThresholdMs, ms -> separated("stood still for " + ms + " ms", STALL_GRACE_MS)).start();
  }

  private void lifecycle(LifecycleEvent event) {
    if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
      separated("merging back into the cluster after a split", Long.MAX_VALUE / 4);
    } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
      separatedUntilNanos = System.nanoTime();
      log.info("merged back into the cluster ({} members)", hz.getCluster().getMembers().size());
    }
  }

  private void separated(String why, long forMs) {
    separatedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMs);
    log.warn("this node may have been dropped by the cluster ({}): closing its sockets so their peers rejoin", why);
    separatedHandlers.forEach(Runnable::run);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<String> nodes() {
    List<String> ids = new ArrayList<>();
    for (Member member : hz.getCluster().getMembers()) {
      String id = member.getAttribute(NODE_ID_ATTRIBUTE);
      if (id != null) {
        ids.add(id);
      }
    }
    return ids;
  }

  @Override
  public void onNodeLeft(Consumer<String> handler) {
    leftHandlers.add(handler);
  }

  @Override
  public void onSeparated(Runnable handler) {
    separatedHandlers.add(handler);
  }

  @Override
  public boolean separated() {
    return System.nanoTime() - separatedUntilNanos < 0;
  }

  @Override
  public void close() {
    watchdog.close();
  }
}
