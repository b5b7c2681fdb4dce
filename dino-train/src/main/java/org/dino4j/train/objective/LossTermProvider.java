package org.dino4j.train.objective;

/**
 * Makes a {@link LossTerm} from its YAML name ({@code objective.extra_terms: [{type: NAME, weight: W}]}). Register an
 * implementation in {@code META-INF/services/org.dino4j.train.objective.LossTermProvider}.
 */
public interface LossTermProvider {

    /** The YAML name, in snake_case. */
    String name();

    /**
     * @param embedDim the backbone's feature size D
     * @param outDim the head's output size K
     * @return a new term
     */
    LossTerm create(long embedDim, long outDim);

    /** The registry of every provider on the class path. */
    static Registry<LossTermProvider> registry() {
        return Registry.load(LossTermProvider.class, LossTermProvider::name, "loss term");
    }
}
