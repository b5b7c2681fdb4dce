package org.dino4j.train.config;

/**
 * An enum constant that is written in YAML under a name of its own ({@code fashion-mnist}, {@code previous_epoch}).
 *
 * <p>Every enum used in a configuration record implements this, so that the YAML spelling is chosen once, next to the
 * constant, and an unknown name fails at load time with the sorted list of valid ones.
 */
public interface ConfigName {

    /** The name of this constant in YAML. */
    String configName();
}
