package app.khuphaen.sync.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.multimap.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
 * stood still for longer than the stall threshold, or Hazelcast is merging it back after a split)
 * until it is merged back and its own addresses are registered in the cluster again (Vert.x
 * re-publishes its subscriptions after a merge, in the background). After a stall that nobody
 * dropped it for (it saw no member leave within {@link #STALL_GRACE_MS}), it is simply back; one
 * that is not merged back within {@link #MERGE_WAIT_MS} serves on its own.
 */
final class HazelcastMembership implements Membership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HazelcastMembership.class);
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  /** Covers the time until a resumed node's Hazelcast notices it was dropped (then it waits for the merge). */
  static final long STALL_GRACE_MS = 15_000;
  /**
   * How long a dropped node waits to be merged back before it serves on its own again (a partition
   * that lasts): Hazelcast looks for it every few seconds, and a merge that comes later still closes
   * its sockets first.
   */
  static final long MERGE_WAIT_MS = 120_000;
  /** Vert.x's map of every node's event-bus subscriptions. */
  private static final String VERTX_SUBSCRIPTIONS = "__vertx.subs";
  private static final long REREGISTER_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final String nodeId;
  private final CopyOnWriteArrayList<Consumer<String>> leftHandlers = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Runnable> separatedHandlers = new CopyOnWriteArrayList<>();
  private final StallWatchdog watchdog;
  private volatile List<String> ownAddresses = List.of();
  private volatile long separatedUntilNanos = System.nanoTime();
  private Promise<Void> reunion = completedPromise(); // guarded by this

  /** @param stallThresholdMs a stall after which the others may have dropped this node */
  HazelcastMembership(Vertx vertx, HazelcastInstance hz, long stallThresholdMs) {
    this.vertx = vertx;
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
        if (separated()) {
          separatedUntilNanos = deadline(MERGE_WAIT_MS); // the others did drop this node: wait for the merge
        }
        leftHandlers.forEach(h -> h.accept(left));
      }
    });
    hz.getLifecycleService().addLifecycleListener(this::lifecycle);
    this.watchdog = new StallWatchdog(stallThresholdMs, ms -> separated("stood still for " + ms + " ms", STALL_GRACE_MS)).start();
  }

  private void lifecycle(LifecycleEvent event) {
    if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
      separated("merging back into the cluster after a split", MERGE_WAIT_MS);
    } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
      vertx.executeBlocking(this::awaitOwnAddresses).onComplete(ar -> {
        separatedUntilNanos = System.nanoTime();
        reunite();
        if (ar.succeeded()) {
          log.info("merged back into the cluster ({} members)", hz.getCluster().getMembers().size());
        } else {
          log.warn("merged back into the cluster, but this node's addresses are not registered: {}", ar.cause().getMessage());
        }
      });
    }
  }

  /** Blocks (on a worker) until every one of this node's own addresses is in Vert.x's subscriptions again. */
  private Void awaitOwnAddresses() throws InterruptedException {
    MultiMap<String, Object> subscriptions = hz.getMultiMap(VERTX_SUBSCRIPTIONS);
    long deadline = deadline(REREGISTER_TIMEOUT_MS);
    while (!ownAddresses.stream().allMatch(subscriptions::containsKey)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("not registered again within " + REREGISTER_TIMEOUT_MS + " ms");
      }
      Thread.sleep(50);
    }
    return null;
  }

  private static long deadline(long ms) {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
  }

  private void separated(String why, long forMs) {
    separatedUntilNanos = deadline(forMs);
    synchronized (this) {
      if (reunion.future().isComplete()) {
        reunion = Promise.promise();
      }
    }
    watchReunion();
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
  public synchronized Future<Void> reunited() {
    return reunion.future();
  }

  /** Completes the reunion once the separation's deadline (which a removal or merge may move) has passed. */
  private void watchReunion() {
    long leftMs = TimeUnit.NANOSECONDS.toMillis(separatedUntilNanos - System.nanoTime());
    if (leftMs <= 0) {
      reunite();
    } else {
      vertx.setTimer(leftMs + 1, id -> watchReunion());
    }
  }

  private synchronized void reunite() {
    if (!separated()) {
      reunion.tryComplete();
    }
  }

  private static Promise<Void> completedPromise() {
    Promise<Void> done = Promise.promise();
    done.complete();
    return done;
  }

  @Override
  public void ownAddresses(List<String> addresses) {
    ownAddresses = List.copyOf(addresses);
  }

  @Override
  public void close() {
    watchdog.close();
  }
}
