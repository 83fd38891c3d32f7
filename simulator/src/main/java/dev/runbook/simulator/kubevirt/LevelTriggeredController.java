package dev.runbook.simulator.kubevirt;

import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.SharedInformers;
import dev.runbook.simulator.SimController;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A level-triggered controller: any watched change (or a timer on the simulated clock) marks the world dirty, and
 * one worker thread reconciles everything it owns from fresh API reads. Bursts of events collapse into one pass,
 * and reading from the API rather than a cache means a pass never acts twice on its own stale view.
 */
abstract class LevelTriggeredController implements SimController {
  /** A safety net for a missed event; real progress is event- and timer-driven. */
  private static final long RESYNC_MILLIS = 2000;

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  /** virt-controller's controllers share its informers. */
  static final String VIRT_CONTROLLER = "virt-controller";

  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<SharedInformers.Registration<?>> registrations = new CopyOnWriteArrayList<>();
  private SharedInformers shared;
  /** The informers of a controller started without its process's: its own, closed with it. */
  private SharedInformers own;
  private boolean dirty = true;
  private volatile boolean running;
  private Thread worker;

  protected KubernetesClient client;
  protected SimContext context;

  /** Opens the informers whose events should trigger a pass (use {@link #triggering()} as their handler). */
  protected abstract void watch();

  /** One pass over everything this controller owns. */
  protected abstract void reconcile();

  @Override
  public String process() {
    return VIRT_CONTROLLER;
  }

  /** Started alone (a test, or a controller run on its own): its informers are its own. */
  @Override
  public void start(KubernetesClient client, SimContext context) {
    start(client, context, null);
  }

  @Override
  public void start(KubernetesClient client, SimContext context, SharedInformers informers) {
    this.client = client;
    this.context = context;
    if (informers == null) {
      own = new SharedInformers(client);
      informers = own;
    }
    this.shared = informers;
    running = true;
    watch();
    worker = new Thread(this::loop, "sim-" + name());
    worker.setDaemon(true);
    worker.start();
  }

  /** Keep an informer of this controller's own, not shared with the process, and close it with the controller. */
  protected void track(SharedIndexInformer<?> informer) {
    informers.add(informer);
  }

  /** Trigger a pass on every change seen by the process's shared informer {@code key} (no resync: see the loop). */
  protected <T> void watchShared(String key, Function<KubernetesClient, Informable<T>> resources) {
    registrations.add(shared.inform(key, resources, triggering(), 0));
  }

  protected <T> ResourceEventHandler<T> triggering() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        trigger();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        trigger();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        trigger();
      }
    };
  }

  protected void trigger() {
    lock.lock();
    try {
      dirty = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Reconcile again once {@code simulated} time has passed. */
  protected void triggerAfter(Duration simulated) {
    if (running) {
      context.clock().after(simulated, this::trigger);
    }
  }

  private void loop() {
    while (running) {
      lock.lock();
      try {
        if (!dirty) {
          wake.await(RESYNC_MILLIS, TimeUnit.MILLISECONDS);
        }
        dirty = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        lock.unlock();
      }
      if (!running) {
        return;
      }
      try {
        reconcile();
      } catch (RuntimeException e) {
        // A conflict or a vanished object; the next pass sees the new state.
        log.debug("{} pass failed, retrying: {}", name(), e.toString());
        sleepQuietly(50);
        trigger();
      }
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops reconciling, waiting for a pass in flight to end; the watches stay open until {@link #close()}. */
  void stop() {
    running = false;
    Thread w = worker;
    if (w != null) {
      w.interrupt();
      try {
        w.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Stops first and closes the watches after: a watch closed while the API server is still sending it events can
   * stall fabric8's mock server (its listener waits for the sender on the event loop the sender needs).
   */
  @Override
  public void close() {
    stop();
    registrations.forEach(SharedInformers.Registration::close);
    registrations.clear();
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    if (own != null) {
      own.close();
      own = null;
    }
  }
}
