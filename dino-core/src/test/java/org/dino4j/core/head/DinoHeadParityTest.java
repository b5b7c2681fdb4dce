package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.Fixtures;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The official {@code DINOHead} forward, loaded by parameter name. */
class DinoHeadParityTest {

    static DinoHead headFor(TensorManifest fixture) {
        JsonObject c = fixture.config();
        return DinoHead.builder()
                .setInDim(c.get("in_dim").getAsLong())
                .setOutDim(c.get("out_dim").getAsLong())
                .optHiddenDim(c.get("hidden_dim").getAsLong())
                .optBottleneckDim(c.get("bottleneck_dim").getAsLong())
                .optNumLayers(c.get("nlayers").getAsInt())
                .optUseBatchNorm(c.get("use_bn").getAsBoolean())
                .optNormLastLayer(c.get("norm_last_layer").getAsBoolean())
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dino_head", "dino_head_trained_g"})
    void forwardMatchesOfficialHead(String name) throws IOException {
        TensorManifest fixture = Fixtures.open(name);
        try (NDManager m = NDManager.newBaseManager()) {
            DinoHead head = headFor(fixture);
            head.initializeWeights(m, 0);
            head.loadStateDict(fixture.loadRole(m, "params"), true);
            assertEquals(fixture.names("params"), List.copyOf(head.stateDict().keySet()), "state-dict order");
            assertEquals(fixture.json().getAsJsonObject("self_checks")
                            .get("requires_grad.last_layer.weight_g").getAsBoolean(),
                    head.lastLayer().weightG().requiresGradient());
            try (NDManager step = m.newSubManager()) {
                NDArray x = fixture.load(step, "inputs/x");
                ParityAssert.assertMatches(fixture, "expected/y", head.forward(x));
                ParityAssert.assertMatches(fixture, "expected/y", head.forward(x, false));
                // debug tensor: the weight the official weight_norm hook computes
                ParityAssert.assertMatches(fixture, "debug/last_layer_effective_weight",
                        head.lastLayer().effectiveWeight(x));
            }
        }
    }
}
