package org.dino4j.train.model;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.HeadConfig;

import java.nio.file.Path;
import java.util.List;

/** The built-in {@code dino} head with batch norm, so that the state rule covers running statistics. */
class DinoHeadWithBatchNormContractTest extends ProjectionHeadContract {

    @Override
    protected ProjectionHeadProvider provider() {
        return new ProjectionHeadProvider.Dino();
    }

    @Override
    protected HeadConfig config() {
        return ConfigLoader.load((Path) null, List.of("model.head.out_dim=20", "model.head.hidden_dim=16",
                "model.head.bottleneck_dim=8", "model.head.use_bn=true")).model().head();
    }
}
