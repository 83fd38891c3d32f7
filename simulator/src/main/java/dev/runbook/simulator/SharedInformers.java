package dev.runbook.simulator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The informers of one simulated process, shared by the controllers that run in it, as client-go's
 * SharedInformerFactory shares them in kube-controller-manager or virt-controller: one list + watch per resource
 * (and selector), however many controllers of the process look at it, each with an event handler of its own.
 *
 * <p>An informer is created and synced on first use, with the process's client. A handler added to an informer that
 * is already running first gets every cached object as an add (fabric8's SharedProcessor replays its cache to a new
 * listener), so a controller that starts later sees what one that started earlier saw. The informer stops when the
 * last handler is removed, or when the registry closes. Handlers must not change the objects they are given: the
 * cache is shared, as it is in client-go. Indexers are not offered: as in client-go, they belong before the start of an
 * informer that other controllers may already use, so a controller that needs one keeps an informer of its own.
 */
public final class SharedInformers implements AutoCloseable {
  /** One shared informer and its handlers; guarded by its own monitor. */
  private static final class Entry {
    SharedIndexInformer<?> informer;
    int handlers;
  }

  /** A handler added with {@link #inform}: its informer (for the cache) and how to take the handler back. */
  public interface Registration<T> extends AutoCloseable {
    SharedIndexInformer<T> informer();

    /** Removes the handler; the informer stops once it has no handler left. */
    @Override
    void close();
  }

  private final KubernetesClient client;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** @param client the process's client, which lists and watches for every controller of the process */
  public SharedInformers(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Adds {@code handler} to the informer known as {@code key}, creating, starting and syncing it from
   * {@code resources} when it is the first. Returns once the informer's cache has synced.
   *
   * @param key what the informer lists and watches, e.g. {@code "pods"} or
   *     {@code "pods?labelSelector=kubevirt.io=virt-launcher"}: the same key must always mean the same resources
   * @param resyncMillis how often the handler gets every cached object again as an update (0: never); the first
   *     handler's period is the informer's resync check period, so a later, shorter one is stretched to it
   */
  @SuppressWarnings("unchecked")
  public <T> Registration<T> inform(
      String key, Function<KubernetesClient, Informable<T>> resources, ResourceEventHandler<? super T> handler,
      long resyncMillis) {
    Entry entry = entries.computeIfAbsent(key, k -> new Entry());
    SharedIndexInformer<T> informer;
    synchronized (entry) {
      if (closed) {
        throw new IllegalStateException("the shared informers are closed");
      }
      if (entry.informer == null) {
        informer = resources.apply(client).runnableInformer(resyncMillis);
        informer.addEventHandlerWithResyncPeriod(handler, resyncMillis);
        informer.run();
        entry.informer = informer;
      } else {
        informer = (SharedIndexInformer<T>) entry.informer;
        informer.addEventHandlerWithResyncPeriod(handler, resyncMillis);
      }
      entry.handlers++;
    }
    SharedIndexInformer<T> registered = informer;
    return new Registration<>() {
      private boolean removed;

      @Override
      public SharedIndexInformer<T> informer() {
        return registered;
      }

      @Override
      public void close() {
        synchronized (entry) {
          if (removed || entry.informer != registered) {
            return; // closed already, or the registry closed
          }
          removed = true;
          registered.removeEventHandler(handler);
          if (--entry.handlers == 0) {
            registered.stop();
            entry.informer = null;
          }
        }
      }
    };
  }

  /** The running informers by key (what the process lists and watches), each with its number of handlers. */
  public Map<String, Integer> handlerCounts() {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    entries.forEach(
        (key, entry) -> {
          synchronized (entry) {
            if (entry.informer != null) {
              counts.put(key, entry.handlers);
            }
          }
        });
    return counts;
  }

  /** Stops every informer, whoever still has a handler on it. */
  @Override
  public void close() {
    closed = true;
    for (Entry entry : List.copyOf(entries.values())) {
      synchronized (entry) {
        if (entry.informer != null) {
          entry.informer.stop();
          entry.informer = null;
          entry.handlers = 0;
        }
      }
    }
  }
}
