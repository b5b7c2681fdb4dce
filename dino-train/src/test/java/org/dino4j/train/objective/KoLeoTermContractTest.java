package org.dino4j.train.objective;

/** The built-in KoLeo term passes the loss-term contract. */
class KoLeoTermContractTest extends LossTermContract {
    @Override
    protected LossTermProvider provider() {
        return new KoLeoTerm.Provider();
    }
}
