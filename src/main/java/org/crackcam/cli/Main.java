package org.crackcam.cli;

/** Entry point of the {@code crackcam} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("crackcam: the command-line program is being built");
    }
}
