package dev.runbook.simulator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@DisplayName("a write is copied and serialised once for all its watchers, not once per watcher")
class WatchFanOutTest {
  /** Records what it is offered. */
  private static final class Recording implements WatchSink {
    final List<String> types = new CopyOnWriteArrayList<>();
    final List<WatchObject> objects = new CopyOnWriteArrayList<>();
    final String storageKey;

    Recording(ResourceType type) {
      this.storageKey = type.storageKey();
    }

    @Override
    public String storageKey() {
      return storageKey;
    }

    @Override
    public String namespace() {
      return null;
    }

    @Override
    public Predicate<JsonNode> filter() {
      return o -> true;
    }

    @Override
    public boolean offer(String type, WatchObject object) {
      types.add(type);
      objects.add(object);
      return true;
    }
  }

  @Test
  @DisplayName("every watcher of an event is given the same object, whose event line is written once")
  void oneObjectForAllWatchers() {
    ResourceStore store = new ResourceStore(new ResourceRegistry());
    ResourceType pods = store.registry().find("", "v1", "pods").orElseThrow();
    store.ensureNamespace("default");
    Recording first = new Recording(pods);
    Recording second = new Recording(pods);
    store.watch(pods, null, first);
    store.watch(pods, null, second);

    store.create(pods, "default", Json.parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
            + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}"));

    assertEquals(List.of("ADDED"), first.types);
    assertEquals(List.of("ADDED"), second.types);
    WatchObject shared = first.objects.get(0);
    assertSame(shared, second.objects.get(0));
    assertSame(shared.line("ADDED"), second.objects.get(0).line("ADDED"), "written once, sent twice");
    String line = new String(shared.line("ADDED"), StandardCharsets.UTF_8);
    JsonNode event = Json.parse(line);
    assertEquals("ADDED", event.path("type").asString());
    assertEquals("Pod", event.path("object").path("kind").asString());
    assertEquals("v1", event.path("object").path("apiVersion").asString());
    assertEquals("a", event.path("object").path("metadata").path("name").asString());
    assertEquals('\n', line.charAt(line.length() - 1), "one event per line");
  }
}
