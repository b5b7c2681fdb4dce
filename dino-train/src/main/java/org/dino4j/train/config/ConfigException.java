package org.dino4j.train.config;

/**
 * A configuration that cannot be used: unreadable file, unknown key, bad value or inconsistent values. The message
 * names the key, what would be valid and where the offending value came from (a file, {@code default.yaml} or a
 * {@code --set} override), and is meant to be shown to the user as is.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, where it came from and what would be right */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, where it came from and what would be right
     * @param cause the underlying parser or I/O error
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
