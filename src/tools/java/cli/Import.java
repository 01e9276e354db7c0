package cli;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/thermocline import --url http://node:8081 FILE}: streams an export ({@code GET /admin/export}) to a
 * node's {@code POST /admin/import}, which loads it into its store if that store is empty.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Load an export (NDJSON from GET /admin/export) into an empty store through a node.")
final class Import implements Callable<Integer> {

  @Option(names = "--url", required = true, description = "the node's operations URL, e.g. http://127.0.0.1:8081")
  URI url;

  @Option(names = "--token", description = "admin bearer token (default: $THERMOCLINE_ADMIN_TOKEN)")
  String token;

  @Parameters(index = "0", paramLabel = "FILE", description = "the export file")
  File file;

  @Override
  public Integer call() throws Exception {
    if (!file.isFile()) {
      System.err.println("import: no such file " + file);
      return 2;
    }
    String bearer = token != null ? token : System.getenv().getOrDefault("THERMOCLINE_ADMIN_TOKEN", "");
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve("/admin/import"))
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofFile(file.toPath())); // streamed from the file, not read into memory
    if (!bearer.isEmpty()) request.header("Authorization", "Bearer " + bearer);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() == 200) {
      System.out.println("imported: " + answer.body());
      return 0;
    }
    System.err.println("import refused (" + answer.statusCode() + "): " + answer.body());
    return 1;
  }
}
