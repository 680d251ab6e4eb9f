/**
 * The {@code crackcam} command line (picocli): {@link org.crackcam.cli.Main} with its
 * subcommands, shared {@link org.crackcam.cli.ExitCodes}, and logging set-up (console for
 * humans, journald priorities with {@code --log-format=journal}).
 */
package org.crackcam.cli;
