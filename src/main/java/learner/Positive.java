package learner;

import streams.Interaction;

/** A record the learner learns from: an interaction with a positive weight, and its offset in the partition. */
record Positive(Interaction event, double weight, long offset) {}
