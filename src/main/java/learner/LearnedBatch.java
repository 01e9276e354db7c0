package learner;

import java.util.List;

/**
 * A batch computed and ready to apply: its intent (deltas per range), the items whose served vectors it changes,
 * how many examples it learned from and its loss (each softmax group's weighted mean, summed over the groups).
 */
record LearnedBatch(LearnerIntent intent, List<String> items, int examples, double loss) {}
