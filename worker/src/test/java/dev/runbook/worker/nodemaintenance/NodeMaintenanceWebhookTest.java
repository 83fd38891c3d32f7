package dev.runbook.worker.nodemaintenance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.runbook.simulator.SimulatedCluster;
import dev.runbook.worker.SimulatedWorld;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequestBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The webhook as the API server sees it: AdmissionReviews POSTed over HTTPS (verified against the served certificate,
 * as the caBundle is), decided against the simulated cluster with both NodeMaintenance CRDs from {@code deploy/crds}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeMaintenanceWebhookTest {
  private static final String MEDIK8S = "nodemaintenance.medik8s.io";
  private static final String KUBEVIRT = "nodemaintenance.kubevirt.io";
  private static final String NODES =
      """
      apiVersion: v1
      kind: Node
      metadata: {name: worker-1}
      ---
      apiVersion: v1
      kind: Node
      metadata: {name: worker-2}
      """;

  private Path tmp;
  private SimulatedCluster cluster;
  private KubernetesClient client;
  private NodeMaintenanceWebhook webhook;
  private X509Certificate served;
  private HttpClient https;

  @BeforeAll
  void startClusterAndWebhook(@TempDir Path dir) throws Exception {
    tmp = dir;
    cluster = SimulatedCluster.builder().scenario(NODES).start();
    client = cluster.client();
    SimulatedWorld.applyNodeMaintenanceCrds(client);
    served = TestCertificates.issue(tmp.resolve("certs"), "runbook-webhook", TestCertificates.KeyFormat.PKCS8);
    webhook = NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, tmp.resolve("certs")));
    https = TestCertificates.clientTrusting(served);
  }

  @AfterEach
  void deleteNodeMaintenances() {
    for (var context : NodeMaintenanceResources.contexts()) {
      client.genericKubernetesResources(context).delete();
    }
  }

  @AfterAll
  void stop() {
    if (webhook != null) {
      webhook.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a NodeMaintenance for an existing node nobody maintains is allowed, answering the request's uid")
  void allowsAFreeExistingNode() throws Exception {
    store(MEDIK8S, "other-node", "worker-2");
    String uid = UUID.randomUUID().toString();

    HttpResponse<String> answer = post(review(uid, "CREATE", nm(KUBEVIRT, "maintain-1", "worker-1"), null));

    assertEquals(200, answer.statusCode());
    AdmissionReview review = Serialization.unmarshal(answer.body(), AdmissionReview.class);
    assertEquals("admission.k8s.io/v1", review.getApiVersion());
    assertEquals("AdmissionReview", review.getKind());
    assertEquals(uid, review.getResponse().getUid());
    assertTrue(review.getResponse().getAllowed());
    assertNull(review.getResponse().getStatus());
  }

  @Test
  @DisplayName("a node that does not exist is refused with what to do about it")
  void refusesAnUnknownNode() throws Exception {
    AdmissionResponse response = decide("CREATE", nm(KUBEVIRT, "typo", "worker-9"), null);

    assertRefused(response, 403, "node \"worker-9\" not found", "kubectl get nodes");
  }

  @Test
  @DisplayName("a second NodeMaintenance for a node is refused even when the first one is in the other API group")
  void refusesASecondResourceForANodeAcrossGroups() throws Exception {
    store(MEDIK8S, "first", "worker-1");

    AdmissionResponse response = decide("CREATE", nm(KUBEVIRT, "second", "worker-1"), null);

    assertRefused(
        response,
        403,
        "node \"worker-1\" is already in maintenance by nodemaintenance.nodemaintenance.medik8s.io/first",
        "delete nodemaintenance.nodemaintenance.medik8s.io/first to end that maintenance first");
  }

  @Test
  @DisplayName("a stored resource wins over the one being created even when both carry the same second and it sorts later")
  void aStoredResourceWinsOverTheCandidateWhateverTheNames() throws Exception {
    store(MEDIK8S, "zz-stored", "worker-1");
    GenericKubernetesResource candidate = nm(MEDIK8S, "aa-incoming", "worker-1");
    // what the API server stamps before admission: the same second as the stored one, and a copied annotation
    candidate.getMetadata().setCreationTimestamp(storedTimestamp(MEDIK8S, "zz-stored"));
    candidate.getMetadata().setAnnotations(Map.of(NodeMaintenanceResources.WORKFLOW_ID_ANNOTATION, "maintenance-worker-1"));

    assertRefused(decide("CREATE", candidate, null), 403, "already in maintenance by nodemaintenance.nodemaintenance.medik8s.io/zz-stored");
  }

  @Test
  @DisplayName("changing spec.nodeName on UPDATE is refused; changing the reason is not")
  void refusesAChangedNodeNameOnUpdate() throws Exception {
    GenericKubernetesResource old = store(KUBEVIRT, "maintain", "worker-1");
    GenericKubernetesResource moved = nm(KUBEVIRT, "maintain", "worker-2");
    moved.setMetadata(old.getMetadata());
    GenericKubernetesResource reasoned = nm(KUBEVIRT, "maintain", "worker-1");
    reasoned.setAdditionalProperty("spec", Map.of("nodeName", "worker-1", "reason", "new firmware"));
    reasoned.setMetadata(old.getMetadata());

    assertRefused(decide("UPDATE", moved, old), 403, "spec.nodeName cannot change (was \"worker-1\", now \"worker-2\")");
    assertTrue(decide("UPDATE", reasoned, old).getAllowed());
  }

  @Test
  @DisplayName("a group whose CRD is not installed counts as holding no NodeMaintenance")
  void aGroupWithoutItsCrdCountsAsEmpty() throws Exception {
    try (SimulatedCluster bare = SimulatedCluster.builder().scenario(NODES).start();
        NodeMaintenanceWebhook onBare = NodeMaintenanceWebhook.start(bare.client(), WebhookConfig.on(0, tmp.resolve("certs")))) {
      Path kubevirtOnly = Path.of("..", "deploy", "crds", "nodemaintenance.kubevirt.io_nodemaintenances.yaml");
      bare.client().resource(Files.readString(kubevirtOnly)).create();

      HttpResponse<String> answer = post(onBare, review("u-1", "CREATE", nm(KUBEVIRT, "m", "worker-1"), null));

      assertEquals(200, answer.statusCode(), answer.body());
      assertTrue(Serialization.unmarshal(answer.body(), AdmissionReview.class).getResponse().getAllowed(), answer.body());
    }
  }

  @Test
  @DisplayName("a request for another resource is refused with a message about the webhook's rules, not waved through")
  void refusesResourcesItDoesNotValidate() throws Exception {
    String body =
        Serialization.asJson(
            new AdmissionReviewBuilder()
                .withApiVersion("admission.k8s.io/v1")
                .withKind("AdmissionReview")
                .withRequest(
                    new AdmissionRequestBuilder()
                        .withUid("u-pod")
                        .withOperation("CREATE")
                        .withNewResource("", "pods", "v1")
                        .build())
                .build());

    HttpResponse<String> answer = post(body);

    assertEquals(200, answer.statusCode());
    assertRefused(Serialization.unmarshal(answer.body(), AdmissionReview.class).getResponse(), 500, "fix the ValidatingWebhookConfiguration's rules");
  }

  static Stream<Arguments> malformedReviews() {
    return Stream.of(
        Arguments.of("not JSON", "{\"apiVersion\": ", "not valid JSON"),
        Arguments.of("empty body", "", "empty body"),
        Arguments.of(
            "admission.k8s.io/v1beta1",
            "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}",
            "list only v1 in the webhook's admissionReviewVersions"),
        Arguments.of("no request", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "has no request"),
        Arguments.of(
            "no uid",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"operation\":\"CREATE\"}}",
            "has no uid"),
        Arguments.of(
            "CREATE without object",
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"operation\":"
                + "\"CREATE\",\"resource\":{\"group\":\"nodemaintenance.kubevirt.io\",\"version\":\"v1beta1\",\"resource\":"
                + "\"nodemaintenances\"}}}",
            "the CREATE request has no object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedReviews")
  @DisplayName("a malformed request is answered 400 with a message, not a stack trace")
  void malformedRequestsAreBadRequests(String what, String body, String expected) throws Exception {
    HttpResponse<String> answer = post(body);

    assertEquals(400, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains(expected), () -> "body: " + answer.body());
    assertFalse(answer.body().contains("\tat ") || answer.body().contains("Exception"), answer.body());
  }

  @Test
  @DisplayName("the review path takes only POST, and other paths are 404")
  void methodsAndPaths() throws Exception {
    HttpResponse<String> get = https.send(request(webhook, NodeMaintenanceWebhook.VALIDATE_PATH).GET().build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> elsewhere = https.send(request(webhook, "/validate-pods").POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(405, get.statusCode());
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    assertEquals(404, elsewhere.statusCode());
  }

  @Test
  @DisplayName("/healthz answers 200 over the same TLS for the kubelet's probes")
  void healthz() throws Exception {
    HttpResponse<String> answer = https.send(request(webhook, NodeMaintenanceWebhook.HEALTH_PATH).GET().build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, answer.statusCode());
    assertEquals("ok", answer.body());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = TestCertificates.KeyFormat.class, names = {"PKCS1", "EC"})
  @DisplayName("PKCS#1 RSA keys (service-ca's format) and ECDSA keys (cert-manager's ECDSA) are served too")
  void servesOtherKeyFormats(TestCertificates.KeyFormat format) throws Exception {
    String name = format.name().toLowerCase(Locale.ROOT);
    Path dir = tmp.resolve(name);
    X509Certificate cert = TestCertificates.issue(dir, "runbook-webhook-" + name, format);

    try (NodeMaintenanceWebhook other = NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, dir))) {
      HttpResponse<String> answer =
          TestCertificates.clientTrusting(cert)
              .send(request(other, NodeMaintenanceWebhook.HEALTH_PATH).GET().build(), HttpResponse.BodyHandlers.ofString());

      assertEquals(200, answer.statusCode());
      assertEquals(cert, answer.sslSession().orElseThrow().getPeerCertificates()[0]);
    }
  }

  @Test
  @DisplayName("a renewed certificate is served once its files change, without a restart")
  void reloadsARenewedCertificate() throws Exception {
    Path dir = tmp.resolve("renewing");
    X509Certificate first = TestCertificates.issue(dir, "first-issue", TestCertificates.KeyFormat.PKCS8);
    try (NodeMaintenanceWebhook renewing = NodeMaintenanceWebhook.start(client, WebhookConfig.on(0, dir))) {
      HttpClient trustsFirst = TestCertificates.clientTrusting(first);
      assertEquals(200, trustsFirst.send(request(renewing, "/healthz").GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());

      X509Certificate renewed = TestCertificates.issue(dir, "second-issue-renewed", TestCertificates.KeyFormat.PKCS8);

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertEquals(renewed, renewing.certificate()));
      HttpResponse<String> answer =
          TestCertificates.clientTrusting(renewed)
              .send(request(renewing, "/healthz").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode());
      assertEquals(renewed, answer.sslSession().orElseThrow().getPeerCertificates()[0]);
      // a fresh client that trusts only the old certificate is now turned away
      assertThrows(
          SSLHandshakeException.class,
          () -> TestCertificates.clientTrusting(first).send(request(renewing, "/healthz").GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private static GenericKubernetesResource nm(String group, String name, String node) {
    GenericKubernetesResource nm =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(group + "/" + NodeMaintenanceResources.VERSION)
            .withKind(NodeMaintenanceResources.KIND)
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .build();
    nm.setAdditionalProperty("spec", Map.of("nodeName", node, "reason", "firmware"));
    return nm;
  }

  private GenericKubernetesResource store(String group, String name, String node) {
    return client.genericKubernetesResources(NodeMaintenanceResources.context(group)).resource(nm(group, name, node)).create();
  }

  private String storedTimestamp(String group, String name) {
    return client.genericKubernetesResources(NodeMaintenanceResources.context(group)).withName(name).get().getMetadata().getCreationTimestamp();
  }

  /** As the API server sends it: on CREATE the object already has its uid and creationTimestamp. */
  private static String review(String uid, String operation, GenericKubernetesResource object, GenericKubernetesResource old) {
    String group = NodeMaintenanceResources.group(object);
    if (object.getMetadata().getUid() == null) {
      object.getMetadata().setUid(UUID.randomUUID().toString());
    }
    if (object.getMetadata().getCreationTimestamp() == null) {
      object.getMetadata().setCreationTimestamp(Instant.now().toString());
    }
    return Serialization.asJson(
        new AdmissionReviewBuilder()
            .withApiVersion("admission.k8s.io/v1")
            .withKind("AdmissionReview")
            .withRequest(
                new AdmissionRequestBuilder()
                    .withUid(uid)
                    .withOperation(operation)
                    .withNewKind(group, NodeMaintenanceResources.KIND, NodeMaintenanceResources.VERSION)
                    .withNewResource(group, NodeMaintenanceResources.PLURAL, NodeMaintenanceResources.VERSION)
                    .withName(object.getMetadata().getName())
                    .withObject(object)
                    .withOldObject(old)
                    .withNewUserInfo()
                    .withUsername("kubernetes-admin")
                    .endUserInfo()
                    .build())
            .build());
  }

  private AdmissionResponse decide(String operation, GenericKubernetesResource object, GenericKubernetesResource old)
      throws Exception {
    String uid = UUID.randomUUID().toString();
    HttpResponse<String> answer = post(review(uid, operation, object, old));
    assertEquals(200, answer.statusCode(), answer.body());
    AdmissionResponse response = Serialization.unmarshal(answer.body(), AdmissionReview.class).getResponse();
    assertEquals(uid, response.getUid(), "the answer carries the request's uid");
    return response;
  }

  private HttpResponse<String> post(String body) throws Exception {
    return post(webhook, body);
  }

  private HttpResponse<String> post(NodeMaintenanceWebhook target, String body) throws Exception {
    return https.send(
        request(target, NodeMaintenanceWebhook.VALIDATE_PATH + "?timeout=10s")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(NodeMaintenanceWebhook target, String path) {
    return HttpRequest.newBuilder(URI.create("https://localhost:" + target.port() + path)).timeout(Duration.ofSeconds(20));
  }

  private static void assertRefused(AdmissionResponse response, int code, String... parts) {
    assertFalse(response.getAllowed(), "expected a refusal");
    assertNotNull(response.getStatus(), "a refusal carries a status");
    assertEquals(code, response.getStatus().getCode());
    String message = response.getStatus().getMessage();
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "message \"" + message + "\" lacks \"" + part + "\"");
    }
  }
}
