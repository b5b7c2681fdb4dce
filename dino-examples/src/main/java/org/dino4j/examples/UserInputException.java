package org.dino4j.examples;

/**
 * Input the user can fix (a run directory that already holds a run, a missing data path, ...): the command prints
 * the message without a stack trace and exits with status {@value DinoCli#EXIT_BAD_INPUT}.
 */
final class UserInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and what would be right */
    UserInputException(String message) {
        super(message);
    }
}
