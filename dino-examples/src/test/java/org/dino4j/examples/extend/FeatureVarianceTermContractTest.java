package org.dino4j.examples.extend;

import org.dino4j.train.objective.LossTermContract;
import org.dino4j.train.objective.LossTermProvider;

/** The example term passes the same contract as the built-in terms. */
class FeatureVarianceTermContractTest extends LossTermContract {
    @Override
    protected LossTermProvider provider() {
        return new FeatureVarianceTerm.Provider();
    }
}
