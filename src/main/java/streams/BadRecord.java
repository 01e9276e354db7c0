package streams;

/**
 * Input that breaks the wire rules. Checked on purpose: every reader of external input has to decide where a
 * bad record goes (a 400, the dead-letter topic) instead of letting it fail a stream.
 */
public final class BadRecord extends Exception {

  private final String field;

  /**
   * @param field JSON path of the offending field ("events[3].type"); empty when the record as a whole is bad
   * @param reason what is wrong, for a person
   */
  public BadRecord(String field, String reason) {
    super(reason, null, false, false); // a verdict on input, not a failure: no stack trace needed
    this.field = field == null ? "" : field;
  }

  /** JSON path of the offending field; empty when the whole record is at fault (not JSON, not an object). */
  public String field() {
    return field;
  }

  /** The field and the reason in one line, as written to the dead-letter topic. */
  public String describe() {
    return field.isEmpty() ? getMessage() : field + ": " + getMessage();
  }
}
