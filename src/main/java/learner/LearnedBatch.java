package learner;

import java.util.List;

/**
 * A batch computed and ready to apply: its intent (deltas per range), the items whose served vectors it changes,
 * and how many examples it learned from.
 */
record LearnedBatch(LearnerIntent intent, List<String> items, int examples) {}
