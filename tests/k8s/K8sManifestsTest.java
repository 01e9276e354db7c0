package k8s;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * What {@code kubectl apply -k k8s/} would create, checked for the mistakes that only show in a cluster: selectors
 * that select nothing, ports and probes that point nowhere, discovery that cannot see its pods, a Secret or
 * ConfigMap no manifest creates, an image name the build does not produce. Reads the YAML with SnakeYAML, the
 * node's configuration with Typesafe Config as the pod would load it, and the Jib image from the pom.
 */
class K8sManifestsTest {

  private static final Path K8S = Path.of("k8s");
  private static final Path KUBERNETES_CONF = Path.of("cluster-config", "kubernetes.conf");

  /** Every object of the kustomization's resources, by kind then name. */
  private static final Map<String, Map<String, Map<String, Object>>> objects = new HashMap<>();
  private static Map<String, Object> kustomization;
  private static Map<String, Object> pod;
  private static Map<String, Object> container;
  private static Config conf;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    kustomization = yaml().load(Files.readString(K8S.resolve("kustomization.yaml")));
    for (Object resource : list(kustomization, "resources")) {
      Path file = K8S.resolve((String) resource);
      assertTrue(Files.isRegularFile(file), "kustomization lists a missing file " + file);
      for (Object doc : yaml().loadAll(Files.readString(file))) {
        if (doc == null) continue;
        Map<String, Object> o = (Map<String, Object>) doc;
        String kind = (String) o.get("kind");
        String name = str(map(o, "metadata"), "name");
        assertNull(objects.computeIfAbsent(kind, k -> new HashMap<>()).put(name, o), kind + " " + name + " twice");
      }
    }
    Map<String, Object> workload = one("Deployment");
    pod = map(map(workload, "spec"), "template");
    container = (Map<String, Object>) list(map(pod, "spec"), "containers").get(0);
    // The pod's configuration: kubernetes.conf over the defaults, with what its environment would supply.
    Map<String, Object> env = new HashMap<>();
    for (String var : requiredEnv()) env.put(var, "placeholder");
    env.put("POD_IP", "10.0.0.7");
    conf = ConfigFactory.parseFile(KUBERNETES_CONF.toFile()).withFallback(ConfigFactory.parseMap(env))
        .withFallback(ConfigFactory.load()).resolve();
  }

  @Test
  void everyFileIsInTheKustomizationAndEveryObjectIsNamed() throws Exception {
    Set<String> listed = new HashSet<>();
    for (Object r : list(kustomization, "resources")) listed.add((String) r);
    try (var files = Files.list(K8S)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".yaml") && !name.equals("kustomization.yaml")) assertTrue(listed.contains(name), name);
      }
    }
    for (String kind : List.of("Deployment", "Service", "ServiceAccount", "Role", "RoleBinding", "ConfigMap",
        "Secret", "PodDisruptionBudget", "NetworkPolicy")) {
      assertTrue(objects.containsKey(kind), "no " + kind);
    }
  }

  @Test
  void theWorkloadSelectsItsOwnPods() {
    Map<String, Object> spec = map(one("Deployment"), "spec");
    assertSelects(map(map(spec, "selector"), "matchLabels"), "Deployment");
  }

  @Test
  void everyServiceSelectsThePodsAndTargetsAContainerPort() {
    Map<String, Integer> ports = containerPorts();
    for (var service : objects.get("Service").values()) {
      Map<String, Object> spec = map(service, "spec");
      String name = str(map(service, "metadata"), "name");
      assertSelects(map(spec, "selector"), "Service " + name);
      for (Object p : list(spec, "ports")) {
        Object target = ((Map<?, ?>) p).get("targetPort");
        assertTrue(target instanceof String ? ports.containsKey(target) : ports.containsValue(target),
            "Service " + name + " targets port " + target + ", container has " + ports);
      }
    }
    // Cluster bootstrap finds peers before they are ready: the headless service lists not-ready pods.
    Map<String, Object> headless = objects.get("Service").values().stream()
        .filter(s -> "None".equals(map(s, "spec").get("clusterIP"))).findFirst().orElseThrow(
            () -> new AssertionError("no headless Service"));
    assertEquals(Boolean.TRUE, map(headless, "spec").get("publishNotReadyAddresses"));
  }

  @Test
  void theContainerPortsAreTheOnesTheNodeListensOn() {
    Map<String, Integer> ports = containerPorts();
    assertEquals(conf.getInt("thermocline.http.port"), ports.get("http"));
    assertEquals(conf.getInt("thermocline.admin.port"), ports.get("admin"));
    assertEquals(conf.getInt("akka.management.http.port"), ports.get("management"));
    assertEquals(conf.getInt("akka.remote.artery.canonical.port"), ports.get("remoting"));
    assertEquals("0.0.0.0", conf.getString("thermocline.admin.interface"), "operations reachable from the pod IP");
    assertEquals("0.0.0.0", conf.getString("akka.management.http.bind-hostname"));
  }

  @Test
  void probesUseAkkaManagementsHealthPathsOnItsPort() {
    String ready = "/" + conf.getString("akka.management.health-checks.readiness-path");
    String alive = "/" + conf.getString("akka.management.health-checks.liveness-path");
    Map<String, Integer> ports = containerPorts();
    for (var probe : Map.of("startupProbe", alive, "readinessProbe", ready, "livenessProbe", alive).entrySet()) {
      Map<String, Object> get = map(map(container, probe.getKey()), "httpGet");
      assertEquals(probe.getValue(), get.get("path"), probe.getKey());
      Object port = get.get("port");
      int number = port instanceof String ? ports.get(port) : (Integer) port;
      assertEquals(conf.getInt("akka.management.http.port"), number, probe.getKey() + " port");
    }
  }

  @Test
  void discoveryLooksForThePodsLabels() {
    assertEquals("kubernetes-api",
        conf.getString("akka.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    String service = conf.getString("akka.management.cluster.bootstrap.contact-point-discovery.service-name");
    String selector = String.format(conf.getString("akka.discovery.kubernetes-api.pod-label-selector"), service);
    Map<String, Object> labels = map(map(pod, "metadata"), "labels");
    for (String term : selector.split(",")) {
      String[] kv = term.split("=");
      assertEquals(kv[1].trim(), labels.get(kv[0].trim()), "pod label for discovery selector " + selector);
    }
    int required = Integer.parseInt(envValue("REQUIRED_CONTACT_POINTS"));
    int replicas = (Integer) map(one("Deployment"), "spec").get("replicas");
    assertTrue(required >= 1 && required <= replicas, "bootstrap needs " + required + " of " + replicas + " pods");
  }

  @Test
  void thePodsServiceAccountMayGetWatchAndListPods() {
    String account = str(map(pod, "spec"), "serviceAccountName");
    assertTrue(objects.get("ServiceAccount").containsKey(account), "ServiceAccount " + account);
    boolean granted = false;
    for (var binding : objects.get("RoleBinding").values()) {
      boolean forAccount = list(binding, "subjects").stream().anyMatch(s -> "ServiceAccount".equals(((Map<?, ?>) s)
          .get("kind")) && account.equals(((Map<?, ?>) s).get("name")));
      Map<String, Object> ref = map(binding, "roleRef");
      if (!forAccount || !"Role".equals(ref.get("kind"))) continue;
      Map<String, Object> role = objects.get("Role").get(str(ref, "name"));
      assertNotNull(role, "RoleBinding names a missing Role " + ref.get("name"));
      for (Object r : list(role, "rules")) {
        Map<?, ?> rule = (Map<?, ?>) r;
        if (((List<?>) rule.get("apiGroups")).contains("") && ((List<?>) rule.get("resources")).contains("pods")
            && ((List<?>) rule.get("verbs")).containsAll(List.of("get", "watch", "list"))) {
          granted = true;
        }
      }
    }
    assertTrue(granted, "no Role bound to " + account + " grants get, watch and list on pods");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyReferencedSecretAndConfigMapIsCreatedWithTheKey() {
    int refs = 0;
    for (Object e : list(container, "env")) {
      Map<String, Object> from = (Map<String, Object>) ((Map<?, ?>) e).get("valueFrom");
      if (from == null) continue;
      for (var kind : Map.of("secretKeyRef", "Secret", "configMapKeyRef", "ConfigMap").entrySet()) {
        Map<String, Object> ref = (Map<String, Object>) from.get(kind.getKey());
        if (ref == null) continue;
        refs++;
        Map<String, Object> target = objects.getOrDefault(kind.getValue(), Map.of()).get(str(ref, "name"));
        assertNotNull(target, kind.getValue() + " " + ref.get("name") + " is in no manifest of the kustomization");
        Map<String, Object> data = new HashMap<>();
        for (String field : List.of("data", "stringData")) {
          if (target.get(field) != null) data.putAll((Map<String, Object>) target.get(field));
        }
        assertTrue(data.containsKey(str(ref, "key")), kind.getValue() + " " + ref.get("name") + " has no " + ref.get("key"));
      }
    }
    assertTrue(refs >= 4, "Cassandra, its datacenter, Kafka and the admin token come from references");
  }

  @Test
  void everyVariableTheConfigurationRequiresIsInThePodsEnvironment() throws Exception {
    Set<String> env = new HashSet<>();
    for (Object e : list(container, "env")) env.add((String) ((Map<?, ?>) e).get("name"));
    for (String var : requiredEnv()) assertTrue(env.contains(var), var + " is required by " + KUBERNETES_CONF);
  }

  @Test
  void theFilesystemIsReadOnlyButForScratchVolumesAtTmpAndTheDataDir() {
    Map<String, Object> security = map(container, "securityContext");
    assertEquals(Boolean.TRUE, security.get("readOnlyRootFilesystem"));
    assertEquals(Boolean.FALSE, security.get("allowPrivilegeEscalation"));
    assertEquals(Boolean.TRUE, map(map(pod, "spec"), "securityContext").get("runAsNonRoot"));
    Map<String, String> mounts = new HashMap<>();
    for (Object m : list(container, "volumeMounts")) {
      mounts.put((String) ((Map<?, ?>) m).get("mountPath"), (String) ((Map<?, ?>) m).get("name"));
    }
    Set<String> emptyDirs = new HashSet<>();
    for (Object v : list(map(pod, "spec"), "volumes")) {
      if (((Map<?, ?>) v).containsKey("emptyDir")) emptyDirs.add((String) ((Map<?, ?>) v).get("name"));
    }
    for (String path : List.of("/tmp", conf.getString("thermocline.data-dir"))) {
      assertTrue(emptyDirs.contains(mounts.get(path)), path + " needs a writable emptyDir");
    }
  }

  @Test
  void theHeapLeavesRoomForOffHeapMemoryUnderTheLimit() {
    String options = envValue("JAVA_TOOL_OPTIONS");
    Matcher m = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(\\.\\d+)?)").matcher(options);
    assertTrue(m.find(), "heap sized from the container's memory: " + options);
    double share = Double.parseDouble(m.group(1));
    assertTrue(share > 0 && share <= 75, "heap share " + share + "% leaves too little off-heap");
    Map<String, Object> resources = map(container, "resources");
    assertNotNull(map(resources, "limits").get("memory"), "MaxRAMPercentage needs a memory limit");
  }

  @Test
  void thePodDisruptionBudgetAndNetworkPolicyCoverThePods() {
    assertSelects(map(map(map(one("PodDisruptionBudget"), "spec"), "selector"), "matchLabels"), "PDB");
    Map<String, Object> policy = map(one("NetworkPolicy"), "spec");
    assertSelects(map(map(policy, "podSelector"), "matchLabels"), "NetworkPolicy");
    Map<String, Integer> ports = containerPorts();
    Set<Object> opened = new HashSet<>();
    for (Object rule : list(policy, "ingress")) {
      for (Object p : (List<?>) ((Map<?, ?>) rule).get("ports")) {
        Object port = ((Map<?, ?>) p).get("port");
        assertTrue(port instanceof String ? ports.containsKey(port) : ports.containsValue(port), "policy port " + port);
        opened.add(port);
      }
    }
    assertTrue(opened.containsAll(ports.keySet()), "every container port is reachable by someone: " + opened);
    Map<?, ?> anti = (Map<?, ?>) map(map(map(pod, "spec"), "affinity"), "podAntiAffinity");
    assertNotNull(anti, "pods spread over machines");
  }

  @Test
  void theImageIsTheOneJibBuilds() throws Exception {
    var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    var plugins = pom.getElementsByTagName("plugin");
    String jibImage = null;
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if (!"jib-maven-plugin".equals(text(plugin, "artifactId"))) continue;
      Element to = (Element) plugin.getElementsByTagName("to").item(0);
      jibImage = text(to, "image");
      assertEquals("app.Main", text(plugin, "mainClass"));
    }
    assertNotNull(jibImage, "no jib-maven-plugin in the pom");
    String image = str(container, "image");
    assertEquals(jibImage, image);
    String name = image.substring(0, image.lastIndexOf(':'));
    String tag = image.substring(image.lastIndexOf(':') + 1);
    for (Object i : list(kustomization, "images")) {
      Map<?, ?> override = (Map<?, ?>) i;
      assertEquals(name, override.get("name"), "kustomize images: rewrites the image the Deployment names");
      if (override.get("newTag") != null) assertEquals(tag, override.get("newTag"));
    }
  }

  // ---- helpers

  private static Yaml yaml() {
    return new Yaml(new LoaderOptions());
  }

  /** Variables that kubernetes.conf substitutes without a "?": the node does not start without them. */
  private static List<String> requiredEnv() throws Exception {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\$\\{([A-Z_]+)}").matcher(Files.readString(KUBERNETES_CONF));
    while (m.find()) out.add(m.group(1));
    assertFalse(out.isEmpty());
    return out;
  }

  private static String envValue(String name) {
    for (Object e : list(container, "env")) {
      Map<?, ?> var = (Map<?, ?>) e;
      if (name.equals(var.get("name"))) return String.valueOf(var.get("value"));
    }
    throw new AssertionError("no env " + name);
  }

  private static Map<String, Integer> containerPorts() {
    Map<String, Integer> out = new HashMap<>();
    for (Object p : list(container, "ports")) {
      out.put((String) ((Map<?, ?>) p).get("name"), (Integer) ((Map<?, ?>) p).get("containerPort"));
    }
    return out;
  }

  private static void assertSelects(Map<String, Object> selector, String who) {
    assertNotNull(selector, who + " has no selector");
    assertFalse(selector.isEmpty(), who + " selects every pod");
    Map<String, Object> labels = map(map(pod, "metadata"), "labels");
    selector.forEach((k, v) -> assertEquals(v, labels.get(k), who + " selects " + k + "=" + v));
  }

  private static Map<String, Object> one(String kind) {
    Map<String, Map<String, Object>> all = objects.get(kind);
    assertNotNull(all, "no " + kind);
    assertEquals(1, all.size(), "one " + kind);
    return all.values().iterator().next();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> o, String key) {
    Object v = o.get(key);
    assertNotNull(v, "no " + key);
    return (Map<String, Object>) v;
  }

  private static List<?> list(Map<String, Object> o, String key) {
    Object v = o.get(key);
    assertNotNull(v, "no " + key);
    return (List<?>) v;
  }

  private static String str(Map<String, Object> o, String key) {
    return (String) o.get(key);
  }

  private static String text(Element e, String tag) {
    var nodes = e.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
  }
}
