package org.dino4j.train.data;

import java.nio.file.Path;

/** A sample whose file exists in the index but cannot be decoded (corrupt, truncated, unsupported encoding). */
public final class UnreadableImageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path path;

    /**
     * @param path the file
     * @param reason what went wrong
     * @param cause the decoder's exception, or null
     */
    public UnreadableImageException(Path path, String reason, Throwable cause) {
        super("cannot decode image " + path + ": " + reason, cause);
        this.path = path;
    }

    /** The file that could not be decoded. */
    public Path path() {
        return path;
    }
}
