package service;

/**
 * A request the API refuses, with the HTTP status and, when one field is at fault, its JSON path. Rendered
 * as {@code {"error": "...", "field": "..."}} (docs/API.md).
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final String field;

  public ApiError(int status, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  public static ApiError badField(String field, String message) {
    return new ApiError(400, field, message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, null, message);
  }

  public int status() {
    return status;
  }

  public String field() {
    return field;
  }
}
