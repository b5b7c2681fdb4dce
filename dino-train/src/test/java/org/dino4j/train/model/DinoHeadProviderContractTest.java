package org.dino4j.train.model;

/** The built-in {@code dino} head under the projection-head contract. */
class DinoHeadProviderContractTest extends ProjectionHeadContract {

    @Override
    protected ProjectionHeadProvider provider() {
        return new ProjectionHeadProvider.Dino();
    }
}
