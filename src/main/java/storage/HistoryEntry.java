package storage;

import java.time.Instant;

/** One interaction of a user, as kept in their history. {@code type} is the API's wire name. */
public record HistoryEntry(String userId, String itemId, String type, Instant ts) {}
