package dev.runbook.simulator.controllers;

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
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * The shape every simulated controller shares with a real one: informers (list + watch, re-listed by fabric8 when a
 * watch breaks, and resynced periodically so that a missed event is only a delay) feed keys into a work queue,
 * and {@link #reconcile} compares the cached desired and actual state and writes the difference through the API.
 */
abstract class InformingController implements SimController {
  /** Wall-clock resync period: a safety net against lost events, not a scenario duration. */
  static final long RESYNC_MILLIS = 5_000;

  protected KubernetesClient client;
  protected SimContext context;
  protected ReconcileLoop loop;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final Map<String, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();

  @Override
  public final void start(KubernetesClient client, SimContext context) {
    this.client = client;
    this.context = context;
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

  /** Start an informer that calls {@code onChange} with every added, updated (old and new) or deleted object. */
  protected <T extends HasMetadata> SharedIndexInformer<T> inform(Informable<T> resources, Consumer<T> onChange) {
    return inform(resources, onChange, onChange);
  }

  protected <T extends HasMetadata> SharedIndexInformer<T> inform(
      Informable<T> resources, Consumer<T> onChange, Consumer<T> onDelete) {
    SharedIndexInformer<T> informer =
        resources.inform(
            new ResourceEventHandler<T>() {
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
            },
            RESYNC_MILLIS);
    informers.add(informer);
    return informer;
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
    informers.forEach(SharedIndexInformer::stop);
    informers.clear();
    timers.values().forEach(f -> f.cancel(false));
    timers.clear();
  }
}
