package dev.runbook.simulator.controllers;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRUD mock plus the API server's graceful pod deletion, the one behaviour the kubelet tests need from the real
 * simulated API server: deleting a bound pod with a grace period only sets deletionTimestamp and
 * deletionGracePeriodSeconds; a delete with grace 0 (the kubelet's) removes it. A test double (it reaches into the
 * CRUD store outside the dispatcher's lock, good enough for a few pods): the simulator's API server is the real
 * implementation.
 */
final class GracefulPodDeletion extends KubernetesCrudDispatcher {
  private static final Pattern POD_PATH = Pattern.compile("/api/v1/namespaces/[^/]+/pods/[^/]+");
  private static final String HOLD = "sim.test/graceful-deletion";
  private static final Pattern GRACE = Pattern.compile("\"gracePeriodSeconds\"\\s*:\\s*(\\d+)");

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    if (!"DELETE".equals(request.getMethod()) || !POD_PATH.matcher(bare).matches()) {
      return super.dispatch(request);
    }
    AttributeSet key = getKey(bare);
    Map.Entry<AttributeSet, String> current = findResource(key);
    if (current == null) {
      return super.dispatch(request);
    }
    Pod pod = Serialization.unmarshal(current.getValue(), Pod.class);
    long grace = gracePeriod(request.getUtf8Body(), pod);
    if (grace == 0 || pod.getSpec().getNodeName() == null) {
      processEvent(bare, key, current.getKey(), null, null);
      return new MockResponse().setResponseCode(200).setBody(current.getValue());
    }
    if (pod.getMetadata().getDeletionTimestamp() == null) {
      pod.getMetadata().setDeletionTimestamp(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      // The CRUD mock removes an object marked for deletion on its next write unless a finalizer holds it.
      pod.getMetadata().setFinalizers(List.of(HOLD));
      pod.getMetadata().setDeletionGracePeriodSeconds(grace);
      pod.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
      String json = Serialization.asJson(pod);
      processEvent(bare, key, current.getKey(), Serialization.unmarshal(json, GenericKubernetesResource.class), json);
      return new MockResponse().setResponseCode(200).setBody(json);
    }
    return new MockResponse().setResponseCode(200).setBody(current.getValue());
  }

  private static long gracePeriod(String body, Pod pod) {
    Matcher m = GRACE.matcher(body == null ? "" : body);
    if (m.find()) {
      return Long.parseLong(m.group(1));
    }
    Long fromSpec = pod.getSpec().getTerminationGracePeriodSeconds();
    return fromSpec == null ? 30 : fromSpec;
  }
}
