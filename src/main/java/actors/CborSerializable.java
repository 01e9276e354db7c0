package actors;

/**
 * Marker for every message, event and snapshot that may cross a node or reach a journal: bound to Akka's
 * Jackson CBOR serializer in application.conf. Java serialization is disabled.
 */
public interface CborSerializable {}
