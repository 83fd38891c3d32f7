package dev.runbook.simulator.controllers;

import dev.runbook.simulator.SharedInformers;
import dev.runbook.simulator.SimContext;
import dev.runbook.simulator.SimController;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The shape every simulated controller shares with a real one: informers (list + watch, re-listed by fabric8 when a
 * watch breaks, and resynced periodically so that a missed event is only a delay) feed keys into a work queue,
 * and {@link #reconcile} compares the cached desired and actual state and writes the difference through the API.
 */
abstract class InformingController implements SimController {
  /** Wall-clock resync period: a safety net against lost events, not a scenario duration. */
  static final long RESYNC_MILLIS = 5_000;
  /** The process of the workload and disruption controllers: they share its informers. */
  static final String KUBE_CONTROLLER_MANAGER = "kube-controller-manager";

  protected KubernetesClient client;
  protected SimContext context;
  protected ReconcileLoop loop;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<SharedInformers.Registration<?>> registrations = new CopyOnWriteArrayList<>();
  private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
  private SharedInformers shared;
  /** The informers of a controller started without its process's: its own, closed with it. */
  private SharedInformers own;

  /** Started alone (a test, or a controller run on its own): its informers are its own. */
  @Override
  public final void start(KubernetesClient client, SimContext context) {
    start(client, context, null);
  }

  @Override
  public final void start(KubernetesClient client, SimContext context, SharedInformers informers) {
    this.client = client;
    this.context = context;
    if (informers == null) {
      own = new SharedInformers(client);
      informers = own;
    }
    this.shared = informers;
    this.loop = new ReconcileLoop(name(), this::reconcile, reconcileWorkers());
    startInformers();
    // Reconciles read other informers' caches, so the worker starts only once every cache has synced.
    loop.start();
  }

  /** Keys reconciled at once; more than one only when {@link #reconcile} is safe to run concurrently. */
  protected int reconcileWorkers() {
    return 1;
  }

  /** Create the informers with {@link #inform}; called once, before the first reconcile. */
  protected abstract void startInformers();

  protected abstract void reconcile(String key) throws Exception;

  /**
   * Handle every added, updated (old and new) or deleted object of the process's shared informer {@code key} with
   * {@code onChange}; the returned informer's cache is shared with the process's other controllers, read only.
   */
  protected <T extends HasMetadata> SharedIndexInformer<T> inform(
      String key, Function<KubernetesClient, Informable<T>> resources, Consumer<T> onChange) {
    return inform(key, resources, onChange, onChange);
  }

  protected <T extends HasMetadata> SharedIndexInformer<T> inform(
      String key, Function<KubernetesClient, Informable<T>> resources, Consumer<T> onChange, Consumer<T> onDelete) {
    SharedInformers.Registration<T> registration =
        shared.inform(key, resources, handler(onChange, onDelete), RESYNC_MILLIS);
    registrations.add(registration);
    return registration.informer();
  }

  /** An informer of this controller's own, not shared with the process (one that no other controller could use). */
  protected <T extends HasMetadata> SharedIndexInformer<T> inform(Informable<T> resources, Consumer<T> onChange) {
    return inform(resources, onChange, onChange);
  }

  protected <T extends HasMetadata> SharedIndexInformer<T> inform(
      Informable<T> resources, Consumer<T> onChange, Consumer<T> onDelete) {
    SharedIndexInformer<T> informer = resources.inform(handler(onChange, onDelete), RESYNC_MILLIS);
    informers.add(informer);
    return informer;
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange, Consumer<T> onDelete) {
    return new ResourceEventHandler<T>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(oldObj);
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onDelete.accept(obj);
      }
    };
  }

  /**
   * Run {@code task} once {@code simulated} time has passed, unless a timer with this id was already scheduled, so
   * that a reconcile may ask for it again and again. The id stays taken after the timer fires (until
   * {@link #cancelTimers}), which makes "schedule once per object and stage" a single call. The task should only
   * mark and enqueue; the write happens in the next reconcile, where conflicts are retried.
   */
  protected void scheduleOnce(String timerId, Duration simulated, Runnable task) {
    timers.computeIfAbsent(timerId, id -> context.clock().after(simulated, task));
  }

  protected boolean hasTimer(String timerId) {
    return timers.containsKey(timerId);
  }

  protected void cancelTimers(String timerIdPrefix) {
    timers.entrySet().removeIf(
        e -> {
          if (e.getKey().startsWith(timerIdPrefix)) {
            e.getValue().cancel(false);
            return true;
          }
          return false;
        });
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
    registrations.forEach(SharedInformers.Registration::close);
    registrations.clear();
    informers.forEach(SharedIndexInformer::stop);
    informers.clear();
    if (own != null) {
      own.close();
      own = null;
    }
    timers.values().forEach(f -> f.cancel(false));
    timers.clear();
  }
}
