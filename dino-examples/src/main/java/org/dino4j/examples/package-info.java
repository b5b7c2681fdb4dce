/**
 * The {@code dino} command line: {@link org.dino4j.examples.DinoCli} dispatches to one class per subcommand
 * ({@code train}, {@code config}, ...), each of which parses its options, loads the configuration and calls the
 * library. A new subcommand is one picocli {@code @Command} class listed in {@code DinoCli}'s {@code subcommands}.
 */
package org.dino4j.examples;
